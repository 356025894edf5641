import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HygieneClient } from '../client';
import { HygieneApiError, HygieneConfigError } from '../errors';
import type { CliIo } from '../cli/main';
import type { VicidialConfigInput } from './config';
import { VicidialConnector, type VicidialHealth } from './connector';

/**
 * `hygiene vicidial <sincronizar|higienizar|desfazer>`. Same exit codes as the rest of the CLI: 0 done; 1 failed;
 * 2 usage or configuration (an unknown schema version included); 3 the hygiene server could not be reached
 * (outcomes stay queued in the outbox and go out on the next run).
 */

export const VICIDIAL_HELP = `  vicidial sincronizar       lê as chamadas do VICIdial e envia cada uma uma vez pela fila durável
      --continuo             não termina: uma passada a cada intervaloSegundos, linha de saúde em cada uma
  vicidial higienizar        confere os telefones dos leads e suspende os sem telefone válido
      --lista <id[,id]>      listas do VICIdial
      --campanha-vici <id>   ou as listas ativas de uma campanha do VICIdial
      --simular              só relata, não altera nada
  vicidial desfazer <arq>    desfaz uma higienização pelo arquivo de auditoria
      --config <arquivo>     configuração JSON (docs/vicidial.md); URLs também em VICIDIAL_MYSQL_URL / VICIDIAL_MYSQL_REPLICA_URL
      --aceitar-versao <n>   aceita um db_schema_version fora das conhecidas, depois de conferir
`;

const SUBCOMMANDS: Record<string, 'sync' | 'suppress' | 'undo'> = {
  sincronizar: 'sync', sync: 'sync',
  higienizar: 'suppress', suppress: 'suppress',
  desfazer: 'undo', undo: 'undo',
};

class UsageError extends Error {}

export async function vicidialMain(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' }, mysql: { type: 'string' }, 'mysql-leitura': { type: 'string' }, 'estado-dir': { type: 'string' },
        continuo: { type: 'boolean' }, desde: { type: 'string' }, lista: { type: 'string' }, 'campanha-vici': { type: 'string' },
        simular: { type: 'boolean' }, status: { type: 'string' }, 'aceitar-versao': { type: 'string' },
        url: { type: 'string' }, chave: { type: 'string' }, key: { type: 'string' }, 'fila-dir': { type: 'string' }, 'outbox-dir': { type: 'string' },
        lang: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ajuda: { type: 'boolean' },
      },
    });
    const sub = SUBCOMMANDS[positionals[0] ?? ''];
    if (values.help || values.ajuda || !sub) {
      if (!sub && positionals[0] && !values.help) throw new UsageError(`subcomando desconhecido: "${positionals[0]}"`);
      io.stdout.write(`uso: hygiene vicidial <subcomando> [opções]\n\n${VICIDIAL_HELP}`);
      return 0;
    }
    const input = configInput(values, io);
    const client = clientOf(values, io);
    const connector = new VicidialConnector(input, client, values.config ? path.dirname(path.resolve(values.config)) : process.cwd());
    try {
      if (sub === 'sync') return await (values.continuo ? daemon(connector, io) : cron(connector, client, io));
      if (sub === 'suppress') return await suppress(connector, values, io);
      const file = positionals[1];
      if (!file || !existsSync(file)) throw new UsageError(`informe o arquivo de auditoria (recebido ${JSON.stringify(file ?? '')})`);
      const undone = await connector.undo(file);
      io.stdout.write(`desfeito: ${undone.leadsRestored} leads e ${undone.altPhonesRestored} telefones extras restaurados; ${undone.conflicts} alterados depois por outra pessoa ou chamada (mantidos)\n`);
      return undone.conflicts > 0 ? 1 : 0;
    } finally {
      await connector.close();
      await client.close();
    }
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.stderr.write(`hygiene vicidial: ${describe(error as Error)}\n`);
    if (usage || error instanceof HygieneConfigError) return 2;
    return 1;
  }
}

type Values = Record<string, string | boolean | undefined>;

function configInput(values: Values, io: CliIo): VicidialConfigInput {
  let input: VicidialConfigInput = {};
  if (typeof values.config === 'string') {
    try {
      input = JSON.parse(readFileSync(values.config, 'utf8')) as VicidialConfigInput;
    } catch (error) {
      throw new HygieneConfigError(`--config ${values.config}: ${(error as Error).message}`);
    }
  }
  const mysql = (values.mysql as string | undefined) ?? io.env.VICIDIAL_MYSQL_URL;
  const replica = (values['mysql-leitura'] as string | undefined) ?? io.env.VICIDIAL_MYSQL_REPLICA_URL;
  const accepted = values['aceitar-versao'] as string | undefined;
  return {
    ...input,
    ...(mysql ? { mysql } : {}),
    ...(replica ? { mysqlLeitura: replica } : {}),
    ...(values['estado-dir'] ? { estadoDir: path.resolve(values['estado-dir'] as string) } : {}),
    ...(values.desde ? { inicio: values.desde as string } : {}),
    ...(values.status ? { statusSupressao: values.status as string } : {}),
    ...(accepted ? { versoesAceitas: [...(input.versoesAceitas ?? []), ...accepted.split(',').map(Number)] } : {}),
  };
}

function clientOf(values: Values, io: CliIo): HygieneClient {
  const serverUrl = (values.url as string | undefined) ?? io.env.HYGIENE_URL;
  const apiKey = ((values.chave ?? values.key) as string | undefined) ?? io.env.HYGIENE_API_KEY;
  if (!serverUrl) throw new UsageError('informe o servidor: --url ou HYGIENE_URL');
  if (!apiKey) throw new UsageError('informe a chave do discador: --chave ou HYGIENE_API_KEY');
  return new HygieneClient({
    serverUrl,
    apiKey,
    outboxDir: path.resolve(((values['fila-dir'] ?? values['outbox-dir']) as string | undefined) ?? io.env.HYGIENE_OUTBOX ?? 'hygiene-outbox'),
    batchSize: 5000,
    retry: { baseMs: 250, maxMs: 5000, maxAttempts: 4 },
    allowInsecureHttp: io.env.HYGIENE_ALLOW_INSECURE_HTTP === '1',
    logger: (level, message, fields) => {
      if (level === 'warn' || level === 'error') io.stderr.write(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
    },
  });
}

/** One line per pass, for logs and monitors: `vicidial: ok …` or `vicidial: erro …`. */
export function healthLine(health: VicidialHealth): string {
  return (
    `vicidial: ok em=${health.at} lidas=${health.read} reportadas=${health.reported} ignoradas=${health.skipped} aguardando=${health.pending} ` +
    `em_dia=${health.caughtUp ? 'sim' : 'nao'} atraso_s=${health.lagSeconds ?? '-'} consulta_max_ms=${health.maxQueryMs.toFixed(1)} fila=${health.outboxPending} total=${health.totals.reported}\n`
  );
}

async function cron(connector: VicidialConnector, client: HygieneClient, io: CliIo): Promise<number> {
  const health = await connector.sync(1000, (pass) => io.stdout.write(healthLine(pass)));
  try {
    const status = await client.flush();
    io.stdout.write(`enviadas: ${status.delivered.accepted} aceitas, ${status.delivered.duplicates} repetidas, ${status.delivered.rejected} recusadas\n`);
    return status.deadLettered > 0 || !health.caughtUp ? 1 : 0;
  } catch (error) {
    const pending = (await client.outboxStatus()).pending;
    io.stderr.write(`hygiene vicidial: servidor indisponível (${(error as Error).message}); ${pending} tabulações continuam na fila e saem na próxima execução\n`);
    return error instanceof HygieneApiError && !error.retryable ? 1 : 3;
  }
}

async function daemon(connector: VicidialConnector, io: CliIo): Promise<number> {
  const stop = new AbortController();
  let exitCode = 0;
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await connector.runDaemon(
      stop.signal,
      (health) => io.stdout.write(healthLine(health)),
      (error, retryInMs) => {
        io.stdout.write(`vicidial: erro em=${new Date().toISOString()} nova_tentativa_ms=${retryInMs} ${describe(error)}\n`);
        // An unknown schema or a bad configuration does not heal by waiting.
        if (error instanceof HygieneConfigError) {
          exitCode = 2;
          stop.abort();
        }
      },
    );
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
  return exitCode;
}

async function suppress(connector: VicidialConnector, values: Values, io: CliIo): Promise<number> {
  const listIds = typeof values.lista === 'string' ? values.lista.split(',').map((id) => id.trim()).filter(Boolean) : [];
  const campaign = values['campanha-vici'] as string | undefined;
  if (listIds.some((id) => !/^\d{1,14}$/.test(id))) throw new UsageError('--lista: ids numéricos separados por vírgula, ex.: --lista 1001,1002');
  if (listIds.length === 0 && !campaign) throw new UsageError('informe --lista <id> ou --campanha-vici <id>');
  const dryRun = values.simular === true;
  const report = await connector.suppress({ listIds, ...(campaign ? { vicidialCampaign: campaign } : {}) }, dryRun);
  io.stdout.write(
    `${dryRun ? 'simulação (nada foi alterado): ' : ''}listas ${report.listIds.join(',') || '-'}: ${report.leads} leads, ${report.phones} telefones conferidos, ${report.invalidPhones} inválidos\n` +
      `leads suspensos (${connector.config.statusSupressao}): ${report.leadsSuppressed}; telefones extras apagados: ${report.altPhonesBlanked}; linhas tiradas do hopper: ${report.hopperRowsRemoved}; adiados (em chamada ou alterados): ${report.deferred}\n` +
      `leitura: ${report.scan.slices} fatias, a mais longa ${report.scan.maxSliceMs.toFixed(1)} ms\n` +
      (report.auditFile ? `auditoria: ${report.auditFile} (desfazer: hygiene vicidial desfazer ${report.auditFile})\n` : ''),
  );
  return 0;
}

/** mysql2's connection errors can have an empty message (an AggregateError of every address tried): name the code. */
function describe(error: Error): string {
  const inner = (error as { errors?: Error[] }).errors?.[0];
  if (!error.message && inner) return describe(inner);
  const code = (error as { code?: string }).code;
  const message = error.message.replace(/\s+/g, ' ').trim();
  return message ? (code && !message.includes(code) ? `${message} (${code})` : message) : (code ?? String(error));
}

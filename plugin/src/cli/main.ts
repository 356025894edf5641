import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HygieneClient } from '../client';
import { HygieneApiError, HygieneError, HygieneFilterError, OutboxWriteError } from '../errors';
import { HttpTransport } from '../http';
import { Outbox, type FlushStatus } from '../outbox';
import type { OutcomeReport } from '../../contract/protocol';
import { messages, pickLang, type CommandName, type Messages } from './messages';
import { ProgressBar } from './progress';
import { parseCodeKind, readOutcomeFile } from './outcomeFile';
import { vicidialMain } from '../vicidial/cli';
import { suppressMain } from './suppress';

/**
 * `hygiene` CLI. Exit codes: 0 done; 1 failed (server error, rows refused into the dead letters, a full outbox disk,
 * an incomplete filter whose outputs were removed); 2 usage or configuration;
 * 3 the server could not be reached (outcomes stay queued; a filter under fail-closed wrote nothing).
 * The CLI is the edge: it alone reads the environment (HYGIENE_URL, HYGIENE_API_KEY, HYGIENE_OUTBOX, HYGIENE_LANG).
 */

const COMMANDS: Record<string, CommandName | 'help'> = {
  filtrar: 'filter', filter: 'filter',
  reportar: 'report', report: 'report',
  fila: 'outbox', outbox: 'outbox',
  verificar: 'check', check: 'check',
  ajuda: 'help', help: 'help',
};

/** pt-BR and English spellings of every flag; the value is the canonical name. */
const FLAGS: Record<string, { canonical: string; type: 'string' | 'boolean'; short?: string }> = {};
for (const [canonical, type, ...names] of [
  ['url', 'string', 'url'],
  ['key', 'string', 'chave', 'key'],
  ['outboxDir', 'string', 'fila-dir', 'outbox-dir'],
  ['lang', 'string', 'lang'],
  ['campaign', 'string', 'campanha', 'campaign'],
  ['out', 'string', 'saida', 'saída', 'out'],
  ['rejects', 'string', 'rejeitados', 'rejects'],
  ['phoneColumns', 'string', 'colunas', 'phone-columns'],
  ['bestFirst', 'boolean', 'melhor-primeiro', 'best-first'],
  ['contactColumn', 'string', 'coluna-contato', 'contact-column'],
  ['name', 'string', 'nome', 'name'],
  ['failOpen', 'boolean', 'falha-aberta', 'fail-open'],
  ['noProgress', 'boolean', 'sem-progresso', 'no-progress'],
  ['codeKind', 'string', 'tipo-codigo', 'code-kind'],
  ['flush', 'boolean', 'enviar', 'flush'],
  ['help', 'boolean', 'ajuda', 'help'],
  ['version', 'boolean', 'versao', 'versão', 'version'],
] as const) {
  for (const name of names) FLAGS[name] = { canonical, type, ...(name === 'help' ? { short: 'h' } : {}) };
}

type Flags = Partial<Record<string, string | boolean>>;

class UsageError extends Error {}

export type CliIo = { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; env: NodeJS.ProcessEnv };

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  // The VICIdial connector has its own flags and sub-commands (plugin/src/vicidial/cli.ts).
  if (argv[0] === 'vicidial') return vicidialMain(argv.slice(1), io);
  // Do-not-call entries have their own flags too (plugin/src/cli/suppress.ts).
  if (argv[0] === 'suprimir' || argv[0] === 'suppress') return suppressMain(argv.slice(1), io);
  let text = messages(pickLang(undefined, io.env.HYGIENE_LANG));
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(FLAGS).map(([name, flag]) => [name, flag.short ? { type: flag.type, short: flag.short } : { type: flag.type }])),
    });
    const flags: Flags = {};
    for (const [name, value] of Object.entries(values)) flags[FLAGS[name]!.canonical] = value as string | boolean;
    text = messages(pickLang(flags.lang as string | undefined, io.env.HYGIENE_LANG));
    if (flags.version) {
      io.stdout.write(text.version(pluginVersion()));
      return 0;
    }
    const command = COMMANDS[positionals[0] ?? 'help'];
    if (!command) throw new UsageError(text.unknownCommand(positionals[0]!));
    if (command === 'help' || flags.help) {
      // `hygiene ajuda filtrar`, `hygiene filtrar --help`: that command's help; otherwise all of them.
      const about = command === 'help' ? COMMANDS[positionals[1] ?? ''] : command;
      io.stdout.write(text.usage(about === 'help' ? undefined : about));
      return 0;
    }
    if (command === 'outbox' && !flags.flush) return await outboxStatus(flags, io, text);
    const client = createClient(flags, io, text);
    try {
      if (command === 'filter') return await filter(client, positionals[1], flags, io, text);
      if (command === 'report') return await report(client, positionals[1], flags, io, text);
      if (command === 'outbox') return await flushOutbox(client, io, text);
      return await check(client, io, text);
    } finally {
      await client.close();
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`${usageProblem(error as Error & { code?: string }, text)}\n\n${text.usage()}`);
      return 2;
    }
    if (error instanceof HygieneFilterError && !error.unreachable) io.stderr.write(`${text.filterIncomplete(error.message)}\n`);
    else io.stderr.write(`${text.failed((error as Error).message)}\n`);
    if (error instanceof HygieneError && error.name === 'HygieneConfigError') return 2;
    if (error instanceof HygieneApiError) return 1;
    return error instanceof HygieneFilterError && error.unreachable ? 3 : 1;
  }
}

/** Node's parseArgs speaks English; the operator reads the same problem in the CLI's language. */
function usageProblem(error: Error & { code?: string }, text: Messages): string {
  const option = /'([^']+)'/.exec(error.message)?.[1];
  if (!option) return error.message;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return text.unknownOption(option);
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return text.missingValue(option.split(' ')[0]!);
  return error.message;
}

/** The version in the plugin's package.json: beside the sources, or above the compiled dist/ of the package. */
function pluginVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    for (const file of [path.join(dir, 'package.json'), path.join(dir, 'plugin', 'package.json')]) {
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@mailing-hygiene/plugin' && manifest.version) return manifest.version;
    }
  }
  return 'unknown';
}

function createClient(flags: Flags, io: CliIo, text: Messages): HygieneClient {
  const serverUrl = (flags.url as string | undefined) ?? io.env.HYGIENE_URL;
  const apiKey = (flags.key as string | undefined) ?? io.env.HYGIENE_API_KEY;
  if (!serverUrl) throw new UsageError(text.missingUrl);
  if (!apiKey) throw new UsageError(text.missingKey);
  return new HygieneClient({
    serverUrl,
    apiKey,
    outboxDir: outboxDirOf(flags, io),
    batchSize: 5000,
    retry: { baseMs: 250, maxMs: 5000, maxAttempts: 4 },
    filterFailurePolicy: flags.failOpen ? 'fail-open' : 'fail-closed',
    // Plain http:// to another machine only when asked for in the environment (docs/plugin.md).
    allowInsecureHttp: io.env.HYGIENE_ALLOW_INSECURE_HTTP === '1',
    logger: (level, message, fields) => {
      if (level === 'warn' || level === 'error') io.stderr.write(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
    },
  });
}

const outboxDirOf = (flags: Flags, io: CliIo) => path.resolve((flags.outboxDir as string | undefined) ?? io.env.HYGIENE_OUTBOX ?? 'hygiene-outbox');

function inputFile(file: string | undefined, text: Messages): string {
  if (!file) throw new UsageError(text.missingFile);
  if (!existsSync(file)) throw new UsageError(text.fileNotFound(file));
  return file;
}

async function filter(client: HygieneClient, file: string | undefined, flags: Flags, io: CliIo, text: Messages): Promise<number> {
  const input = inputFile(file, text);
  const campaignId = flags.campaign as string | undefined;
  if (!campaignId) throw new UsageError(text.missingCampaign);
  const en = text.rows === 'rows';
  const base = input.replace(/\.[^./\\]+$/, '');
  const kept = (flags.out as string | undefined) ?? `${base}-${en ? 'filtered' : 'filtrado'}.csv`;
  const rejects = (flags.rejects as string | undefined) ?? `${base}-${en ? 'rejected' : 'rejeitados'}.csv`;
  const bar = new ProgressBar(io.stderr, statSync(input).size, text, !flags.noProgress);
  const started = Date.now();
  const result = await client.filterMailing(input, {
    campaignId,
    kept,
    malformed: rejects,
    ...(flags.name ? { name: flags.name as string } : {}),
    ...(flags.phoneColumns ? { phoneColumns: (flags.phoneColumns as string).split(',').map((c) => c.trim()).filter(Boolean) } : {}),
    ...(flags.bestFirst ? { order: 'best' as const } : {}),
    ...(flags.contactColumn ? { contactColumn: flags.contactColumn as string } : {}),
    onProgress: (p) => bar.update(p.bytesSent, p.rowsSent),
  });
  bar.done(result.bytesSent, result.rowsSent);
  const seconds = (Date.now() - started) / 1000;
  if (result.unfiltered) io.stderr.write(`${text.unfiltered(result.unfiltered.reason)}\n`);
  else if (!result.hygieneApplied) io.stderr.write(`${text.hygieneOff}\n`);
  io.stdout.write(`${text.filtered(result.counts)}\n${text.hygienized(result.counts)}\n${text.suppressed(result.counts.suppressedPhones)}\n${flags.bestFirst && result.hygieneApplied ? `${text.rightParty(result.counts)}\n` : ''}${text.outputs(kept, rejects)}\n${text.throughput(result.counts.totalRows, seconds, result.bytesSent)}\n`);
  return 0;
}

async function report(client: HygieneClient, file: string | undefined, flags: Flags, io: CliIo, text: Messages): Promise<number> {
  const input = inputFile(file, text);
  const kind = parseCodeKind(flags.codeKind as string | undefined);
  if (!kind) throw new UsageError(`--tipo-codigo / --code-kind: own | sip | q850 | vicidial`);
  let queued = 0;
  let bad = 0;
  let batch: OutcomeReport[] = [];
  const queue = async () => {
    await client.reportOutcomes(batch);
    queued += batch.length;
    batch = [];
  };
  try {
    for await (const item of readOutcomeFile(input, flags.campaign as string | undefined, kind)) {
      if (item.error || !item.outcome) {
        bad++;
        io.stderr.write(`${text.badRow(item.line, item.error ?? '')}\n`);
        continue;
      }
      batch.push(item.outcome);
      if (batch.length >= 5000) await queue();
    }
    if (batch.length > 0) await queue();
  } catch (error) {
    if (!(error instanceof OutboxWriteError)) throw error;
    // What was queued before is safe and still goes out; say exactly what was not recorded.
    io.stderr.write(`${text.outboxWriteFailed(queued, error.causeCode ?? error.message)}\n`);
    await client.flush().catch(() => undefined);
    return 1;
  }
  io.stdout.write(`${text.queued(queued)}\n`);
  try {
    const status = await client.flush();
    io.stdout.write(`${text.delivered(status.delivered)}\n`);
    reportDeadLettered(status, io, text);
    return bad > 0 || status.deadLettered > 0 ? 1 : 0;
  } catch (error) {
    const status = await client.outboxStatus();
    io.stderr.write(`${text.stillPending(status.pending, (error as Error).message)}\n`);
    return error instanceof HygieneApiError && !error.retryable ? 1 : 3;
  }
}

/** Outcomes this run's flush moved to the dead letters: the run failed for them, however well the rest went. */
function reportDeadLettered(status: FlushStatus, io: CliIo, text: Messages): void {
  if (status.deadLettered > 0) io.stderr.write(`${text.deadLettered(status.deadLettered, path.join(status.dir, 'dead-letters.ndjson'))}\n`);
}

function printStatus(status: Awaited<ReturnType<typeof Outbox.inspect>>, io: CliIo, text: Messages): void {
  io.stdout.write(
    [
      text.outboxTitle(status.dir),
      text.blocked(status.blockedBy),
      text.pending(status.pending),
      text.oldest(status.oldestPendingAt, status.oldestPendingAgeMs),
      text.deadLetters(status.deadLetters, path.join(status.dir, 'dead-letters.ndjson')),
      text.lastError(status.lastError),
      text.lastDelivery(status.lastDeliveryAt),
    ].filter(Boolean).join('\n') + '\n',
  );
}

async function outboxStatus(flags: Flags, io: CliIo, text: Messages): Promise<number> {
  printStatus(await Outbox.inspect(outboxDirOf(flags, io)), io, text);
  return 0;
}

async function flushOutbox(client: HygieneClient, io: CliIo, text: Messages): Promise<number> {
  try {
    const status = await client.flush();
    io.stdout.write(`${text.delivered(status.delivered)}\n`);
    printStatus(status, io, text);
    reportDeadLettered(status, io, text);
    return status.deadLettered > 0 ? 1 : 0;
  } catch (error) {
    const status = await client.outboxStatus();
    io.stderr.write(`${text.stillPending(status.pending, (error as Error).message)}\n`);
    printStatus(status, io, text);
    return error instanceof HygieneApiError && !error.retryable ? 1 : 3;
  }
}

async function check(client: HygieneClient, io: CliIo, text: Messages): Promise<number> {
  const url = client.options.url.origin;
  const probe = new HttpTransport({ serverUrl: client.options.url, apiKey: client.options.apiKey, requestTimeoutMs: client.options.requestTimeoutMs, userAgent: 'hygiene-cli' });
  try {
    const started = Date.now();
    try {
      await probe.json('GET', '/healthz', undefined, { auth: false });
    } catch (error) {
      io.stderr.write(`${text.serverDown(url, (error as Error).message)}\n`);
      return 3;
    }
    io.stdout.write(`${text.serverOk(url, Date.now() - started)}\n`);
    try {
      const { campaigns } = await probe.json<{ campaigns: unknown[] }>('GET', '/v1/campaigns');
      io.stdout.write(`${text.keyOk(campaigns.length)}\n`);
      return 0;
    } catch (error) {
      io.stderr.write(`${text.keyRefused((error as Error).message)}\n`);
      return error instanceof HygieneApiError ? 1 : 3;
    }
  } finally {
    probe.close();
  }
}

import { createReadStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HygieneClient } from '../client';
import { HygieneApiError, HygieneError } from '../errors';
import { pickLang } from './messages';
import type { CliIo } from './main';

/**
 * `hygiene suprimir`: adds numbers to the tenant's do-not-call list (or a campaign's), from a file (streamed to
 * POST /v1/suppression/import) or from the command line (POST /v1/suppression/entries). Removing is for admins, in
 * the console or the API. Exit codes as the rest of the CLI: 0 done, 1 refused by the server, 2 usage, 3 unreachable.
 */
const HELP_PT = `uso: hygiene suprimir (<arquivo.csv> | --telefone <n>[,<n>…]) --origem <texto> [opções]

  adiciona números à lista de não ligar do cliente (ou de uma campanha): eles saem de todo mailing
  filtrado e são recusados na verificação antes da discagem, com a higienização ligada ou não
      <arquivo.csv>          um número por linha, ou um CSV (o primeiro campo que for telefone)
      --telefone <n,n>       números na linha de comando, em vez de um arquivo
      --origem <texto>       de onde veio o pedido (obrigatório): "pedido do cliente", "Procon"…
      --campanha <id>        só nesta campanha (padrão: todas as campanhas do cliente)
      --expira <data>        validade: 2027-01-31 (fim do dia, horário de Brasília) ou data-hora ISO
                             (padrão: sem validade)

opções gerais: --url, --chave, --lang como nos outros comandos (hygiene ajuda)
`;

const HELP_EN = `usage: hygiene suppress (<file.csv> | --phone <n>[,<n>…]) --source <text> [options]

  adds numbers to the tenant's do-not-call list (or a campaign's): they leave every filtered mailing and
  are refused by the dial-time check, whether hygiene is on or not
      <file.csv>             one number a line, or a CSV (the first cell that is a phone)
      --phone <n,n>          numbers on the command line instead of a file
      --source <text>        where the request came from (required): "customer request", "Procon"…
      --campaign <id>        this campaign only (default: every campaign of the tenant)
      --expires <date>       expiry: 2027-01-31 (end of day, Brasília time) or an ISO date-time (default: none)

global options: --url, --key, --lang as for the other commands (hygiene help)
`;

const OPTIONS = {
  url: { type: 'string' },
  chave: { type: 'string' },
  key: { type: 'string' },
  lang: { type: 'string' },
  campanha: { type: 'string' },
  campaign: { type: 'string' },
  origem: { type: 'string' },
  source: { type: 'string' },
  expira: { type: 'string' },
  expires: { type: 'string' },
  telefone: { type: 'string' },
  phone: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ajuda: { type: 'boolean' },
} as const;

class UsageError extends Error {}

/** "2027-01-31" is the end of that day in Brasília (UTC−3, no daylight saving time since 2019). */
function expiryOf(text: string | undefined, pt: boolean): string | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T23:59:59-03:00`;
  if (!Number.isNaN(Date.parse(text)) && /T.*([+-]\d{2}:\d{2}|Z)$/.test(text)) return text;
  throw new UsageError(pt ? `--expira: data inválida "${text}" (use 2027-01-31 ou 2027-01-31T23:59:59-03:00)` : `--expires: invalid date "${text}" (use 2027-01-31 or 2027-01-31T23:59:59-03:00)`);
}

export async function suppressMain(argv: string[], io: CliIo): Promise<number> {
  let pt = pickLang(undefined, io.env.HYGIENE_LANG) === 'pt-BR';
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
    pt = pickLang(values.lang, io.env.HYGIENE_LANG) === 'pt-BR';
    if (values.help || values.ajuda) {
      io.stdout.write(pt ? HELP_PT : HELP_EN);
      return 0;
    }
    const source = values.origem ?? values.source;
    const campaignId = values.campanha ?? values.campaign;
    const expiresAt = expiryOf(values.expira ?? values.expires, pt);
    const phones = (values.telefone ?? values.phone)?.split(',').map((phone) => phone.trim()).filter(Boolean);
    const file = positionals[0];
    if (!source) throw new UsageError(pt ? 'falta a origem do pedido: use --origem <texto>' : 'missing the source: use --source <text>');
    if (!file && !phones?.length) throw new UsageError(pt ? 'falta o arquivo ou --telefone' : 'missing the file or --phone');
    if (file && !existsSync(file)) throw new UsageError(pt ? `arquivo não encontrado: ${file}` : `file not found: ${file}`);
    const serverUrl = values.url ?? io.env.HYGIENE_URL;
    const apiKey = values.chave ?? values.key ?? io.env.HYGIENE_API_KEY;
    if (!serverUrl) throw new UsageError(pt ? 'falta o servidor: use --url ou HYGIENE_URL' : 'missing the server: use --url or HYGIENE_URL');
    if (!apiKey) throw new UsageError(pt ? 'falta a chave do discador: use --chave ou HYGIENE_API_KEY' : 'missing the dialer key: use --key or HYGIENE_API_KEY');
    const client = new HygieneClient({ serverUrl, apiKey, outboxDir: io.env.HYGIENE_OUTBOX ?? 'hygiene-outbox', allowInsecureHttp: io.env.HYGIENE_ALLOW_INSECURE_HTTP === '1', retry: { baseMs: 250, maxMs: 5000, maxAttempts: 4 } });
    const options = { source, ...(campaignId ? { campaignId } : {}), ...(expiresAt ? { expiresAt } : {}) };
    const where = campaignId ? (pt ? `da campanha ${campaignId}` : `of campaign ${campaignId}`) : pt ? 'de todas as campanhas' : 'of every campaign';
    try {
      if (file) {
        const result = await client.importSuppression(createReadStream(file), options);
        io.stdout.write(pt ? `${result.added} números na lista de não ligar ${where} (${result.lines} linhas lidas).\n` : `${result.added} numbers on the do-not-call list ${where} (${result.lines} lines read).\n`);
        for (const refusal of result.firstRefusals) io.stderr.write(pt ? `linha ${refusal.at}: ${refusal.code} (${refusal.message})\n` : `line ${refusal.at}: ${refusal.code} (${refusal.message})\n`);
        if (result.refused > 0) io.stderr.write(pt ? `${result.refused} linhas recusadas: corrija-as e envie de novo.\n` : `${result.refused} lines refused: fix them and send them again.\n`);
      } else {
        const result = await client.suppress(phones!, options);
        io.stdout.write(pt ? `${result.added} números na lista de não ligar ${where}.\n` : `${result.added} numbers on the do-not-call list ${where}.\n`);
        for (const refusal of result.refused) io.stderr.write(`${phones![refusal.at]}: ${refusal.code} (${refusal.message})\n`);
      }
      return 0;
    } finally {
      await client.close();
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`${(error as Error).message}\n\n${pt ? HELP_PT : HELP_EN}`);
      return 2;
    }
    io.stderr.write(`${pt ? 'falhou' : 'failed'}: ${(error as Error).message}\n`);
    if (error instanceof HygieneError && error.name === 'HygieneConfigError') return 2;
    return error instanceof HygieneApiError ? 1 : 3;
  }
}

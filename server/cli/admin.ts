import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import { devKeysFile } from '../config';

/**
 * Operator command: talks to a running server's operator listener (OPERATOR_HOST:OPERATOR_PORT, loopback by
 * default; the public one does not serve the operator API), so it works the same against the embedded default
 * (whose database only the server process may open) and against PostgreSQL.
 */
const USAGE = `Usage: npm run admin -- <command> [arguments] [--url URL] [--token TOKEN]

  bootstrap <tenant-slug> "<tenant name>" <admin-email>   tenant + admin (password generated) + dialer key
  create-tenant <slug> "<name>"
  create-admin <tenant> <email> "<name>" [--password P]    password generated when omitted
  create-key <tenant> "<key name>"                         prints the key once
  list-tenants
  forget-number <phone> <reason…>                          LGPD erasure of a number's shared history (audited)
  maintenance                                              expire marks, prune receipts now
  suppression-lists                                        the shared do-not-call lists and what is imported
  import-list <code> <file> [--purposes a,b] [--source S]  replaces a shared list (nmp, procon-sp, …) with a file's
                                                           numbers, streamed (docs/compliance.md)

URL of the operator listener: --url, or HYGIENE_OPERATOR_URL, or http://127.0.0.1:$OPERATOR_PORT (3001).
Token: --token, or OPERATOR_TOKEN, or the embedded default's $DATA_DIR/dev-keys.json (data/).`;

export type Options = {
  /** The operator listener's URL. */
  url: string;
  token: string;
  password?: string;
  /** import-list: the list's purposes (comma-separated) and where the file came from. */
  purposes?: string;
  source?: string;
  /** The public listener's URL, printed by bootstrap as the console's address (HYGIENE_URL, or 127.0.0.1:$PORT). */
  consoleUrl?: string;
};

export function parseArgs(argv: string[]): { command: string | undefined; args: string[]; options: Options } {
  const args: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) flags[arg.slice(2)] = argv[++i] ?? '';
    else args.push(arg);
  }
  const env = process.env;
  const url = flags.url ?? env.HYGIENE_OPERATOR_URL ?? `http://127.0.0.1:${env.OPERATOR_PORT ?? 3001}`;
  const consoleUrl = (env.HYGIENE_URL ?? `http://127.0.0.1:${env.PORT ?? 3000}`).replace(/\/$/, '');
  let token = flags.token ?? env.OPERATOR_TOKEN;
  if (!token) {
    const file = devKeysFile(path.resolve(env.DATA_DIR ?? 'data'));
    if (existsSync(file)) token = (JSON.parse(readFileSync(file, 'utf8')) as { operatorToken?: string }).operatorToken;
  }
  return { command: args.shift(), args, options: { url: url.replace(/\/$/, ''), consoleUrl, token: token ?? '', ...(flags.password ? { password: flags.password } : {}), ...(flags.purposes ? { purposes: flags.purposes } : {}), ...(flags.source ? { source: flags.source } : {}) } };
}

async function call(options: Options, method: string, route: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(options.url + route, {
      method,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new Error(
      `cannot reach the operator listener at ${options.url} (${(error as Error).message}); is the server running (npm start)? ` +
        'It listens on OPERATOR_HOST:OPERATOR_PORT (127.0.0.1:3001); point --url or HYGIENE_OPERATOR_URL there',
    );
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) throw new Error(payload.error?.message ?? `HTTP ${response.status}`);
  return payload;
}

/** Streams a file as a text/csv body (a shared list is millions of lines: never read whole into memory). */
async function upload(options: Options, route: string, file: string): Promise<unknown> {
  if (!existsSync(file)) throw new Error(`file not found: ${file}`);
  const response = await fetch(options.url + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'text/csv' },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit).catch((error: Error) => {
    throw new Error(`cannot reach the operator listener at ${options.url} (${error.message})`);
  });
  const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) throw new Error(payload.error?.message ?? `HTTP ${response.status}`);
  return payload;
}

const need = (args: string[], count: number) => {
  if (args.length < count) throw new Error(`missing arguments\n\n${USAGE}`);
  return args;
};

const generatedPassword = () => randomBytes(12).toString('base64url');

const printJson = (value: unknown) => void process.stdout.write(JSON.stringify(value, null, 2) + '\n');

/** Runs one operator command against a server; prints its result (JSON) and returns it, for tests and scripts. */
export async function run(command: string | undefined, args: string[], options: Options, output: (value: unknown) => void = printJson): Promise<unknown> {
  let result: unknown;
  const print = (value: unknown) => {
    result = value;
    output(value);
  };
  switch (command) {
    case 'create-tenant': {
      const [slug, name] = need(args, 2);
      print(await call(options, 'POST', '/v1/operator/tenants', { slug, name }));
      return result;
    }
    case 'create-admin': {
      const [tenant, email, name] = need(args, 3);
      const password = options.password ?? generatedPassword();
      const admin = await call(options, 'POST', `/v1/operator/tenants/${encodeURIComponent(tenant!)}/admins`, { email, name, password });
      print({ ...(admin as object), ...(options.password ? {} : { password }) });
      return result;
    }
    case 'create-key': {
      const [tenant, name] = need(args, 2);
      print(await call(options, 'POST', `/v1/operator/tenants/${encodeURIComponent(tenant!)}/dialer-keys`, { name }));
      process.stderr.write('The key is shown only now: keep it in the dialer configuration.\n');
      return result;
    }
    case 'bootstrap': {
      const [slug, name, email] = need(args, 3);
      const tenant = await call(options, 'POST', '/v1/operator/tenants', { slug, name });
      const password = options.password ?? generatedPassword();
      const admin = await call(options, 'POST', `/v1/operator/tenants/${slug}/admins`, { email, name: email, password });
      const key = (await call(options, 'POST', `/v1/operator/tenants/${slug}/dialer-keys`, { name: 'discador' })) as { key: string };
      print({ tenant, admin: { ...(admin as object), password }, dialerKey: key.key, ...(options.consoleUrl ? { console: `${options.consoleUrl}/` } : {}) });
      return result;
    }
    case 'list-tenants':
      print(await call(options, 'GET', '/v1/operator/tenants'));
      return result;
    case 'forget-number': {
      const [phone, ...reason] = need(args, 2);
      print(await call(options, 'POST', '/v1/operator/forget', { phone, reason: reason.join(' ') }));
      return result;
    }
    case 'maintenance':
      print(await call(options, 'POST', '/v1/operator/maintenance'));
      return result;
    case 'suppression-lists':
      print(await call(options, 'GET', '/v1/operator/suppression-lists'));
      return result;
    case 'import-list': {
      const [code, file] = need(args, 2);
      const query = new URLSearchParams({ ...(options.purposes ? { purposes: options.purposes } : {}), ...(options.source ? { source: options.source } : {}) });
      print(await upload(options, `/v1/operator/suppression-lists/${encodeURIComponent(code!)}/import?${query}`, file!));
      return result;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return USAGE;
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

// Runs only as a command (`npm run admin -- …`), not when imported (tests drive `run` directly).
if (require.main === module) {
  const { command, args, options } = parseArgs(process.argv.slice(2));
  run(command, args, options).catch((error: Error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  });
}

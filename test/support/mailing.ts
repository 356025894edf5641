import { MultipartReader, boundaryFromContentType } from '../../plugin/contract/multipart';
import type { MailingView } from '../../plugin/contract/protocol';
import type { TestServer } from './harness';

export type CsvFilterResult = { status: number; kept: string; malformed: string; summary: MailingView & { error?: { code: string; message: string } }; headers: Record<string, string> };

// supertest's parser type names its own Response; at run time it is the Node response stream.
const binary = (res: unknown, callback: (error: Error | null, body: Buffer) => void) => {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
};

/** Splits a multipart/mixed body into its named parts (latin1 text, as the CSV went in). */
export function splitMultipart(contentType: string, body: Buffer): Record<string, string> {
  const boundary = boundaryFromContentType(contentType);
  if (!boundary) throw new Error(`not multipart: ${contentType}`);
  const parts: Record<string, Buffer[]> = {};
  let current = '';
  const reader = new MultipartReader(boundary, {
    onPartStart: (part) => {
      current = part.name;
      parts[current] = [];
    },
    onData: (chunk) => parts[current]!.push(chunk),
    onPartEnd: () => undefined,
  });
  reader.push(body);
  reader.end();
  return Object.fromEntries(Object.entries(parts).map(([name, chunks]) => [name, Buffer.concat(chunks).toString('latin1')]));
}

/** POSTs a CSV mailing and returns its parts. */
export async function filterCsvMailing(server: TestServer, credential: string, campaignId: string, csv: string | Buffer, query: Record<string, string> = {}): Promise<CsvFilterResult> {
  const response = await server
    .api()
    .post(`/v1/campaigns/${encodeURIComponent(campaignId)}/mailings`)
    .query(query)
    .set('authorization', credential)
    .set('content-type', 'text/csv')
    .buffer(true)
    .parse(binary)
    .send(typeof csv === 'string' ? Buffer.from(csv, 'latin1') : csv);
  if (response.status !== 200) {
    return { status: response.status, kept: '', malformed: '', summary: JSON.parse((response.body as Buffer).toString()) as never, headers: response.headers as Record<string, string> };
  }
  const parts = splitMultipart(response.headers['content-type'] as string, response.body as Buffer);
  return {
    status: response.status,
    kept: parts.kept ?? '',
    malformed: parts.malformed ?? '',
    summary: JSON.parse(parts.summary ?? 'null') as CsvFilterResult['summary'],
    headers: response.headers as Record<string, string>,
  };
}

/** POSTs NDJSON or JSON contacts and returns the parsed NDJSON lines. */
export async function filterJsonMailing(server: TestServer, credential: string, campaignId: string, body: string, contentType: string, query: Record<string, string> = {}) {
  const response = await server
    .api()
    .post(`/v1/campaigns/${encodeURIComponent(campaignId)}/mailings`)
    .query(query)
    .set('authorization', credential)
    .set('content-type', contentType)
    .buffer(true)
    .parse(binary)
    .send(body);
  const text = (response.body as Buffer).toString('utf8');
  if (response.status !== 200) return { status: response.status, lines: [] as Record<string, unknown>[], error: JSON.parse(text) as { error: { code: string; field?: string; message: string } } };
  const lines = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status: response.status, lines, error: undefined };
}

import { io as connect, type Socket } from 'socket.io-client';
import request from 'supertest';
import type { CampaignView, ClientToServerEvents, ServerToClientEvents } from '../../plugin/contract/protocol';
import { TEST_KEYS } from '../support/harness';

/** Helpers shared by the fault tests of this folder. */

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;


export async function reportedCounters(url: string, credential: string, campaignId: string) {
  const response = await request(url).get(`/v1/campaigns/${encodeURIComponent(campaignId)}`).set('authorization', credential).expect(200);
  return response.body.reported as { invalid: number; contact: number; neutral: number };
}

export async function readiness(url: string): Promise<{ status: number; body: Record<string, unknown>; retryAfter?: string | undefined }> {
  // The details (database, redis, reason) are the operator's; anyone else gets the status alone.
  const response = await request(url).get('/readyz').set('authorization', `Bearer ${TEST_KEYS.OPERATOR_TOKEN}`);
  return { status: response.status, body: response.body as Record<string, unknown>, retryAfter: response.headers['retry-after'] as string | undefined };
}

/** A socket that reconnects by itself (as the console does) and records the externalIds of campaign:updated. */
export async function campaignListener(url: string, token: string): Promise<{ socket: ClientSocket; campaigns: string[] }> {
  const socket: ClientSocket = connect(url, { transports: ['websocket'], auth: { token }, reconnectionDelay: 50, reconnectionDelayMax: 200 });
  const campaigns: string[] = [];
  socket.on('campaign:updated', (view: CampaignView) => campaigns.push(view.externalId));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, campaigns };
}

/** Pino JSON lines (a server process's stdout, or support/logs.ts) with the given message. */
export function linesWithMessage(lines: readonly Record<string, unknown>[], message: string): Record<string, unknown>[] {
  return lines.filter((line) => line.msg === message);
}

export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

import http, { type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * An HTTP pass-through in front of a real server that counts the requests it forwards (per "METHOD /path") and
 * the answers' statuses, so a fault test can assert how often a client knocked without stubbing the server.
 */
export class CountingProxy {
  private server: http.Server | undefined;
  private readonly agent = new http.Agent({ keepAlive: true });
  readonly requests = new Map<string, number>();
  readonly statuses: Array<{ route: string; status: number; at: number }> = [];
  /** While true, every request is answered 503 UNAVAILABLE without reaching the server (a balancer with no backend). */
  unavailable = false;

  constructor(private readonly targetUrl: string) {}

  async listen(): Promise<string> {
    this.server = http.createServer((req, res) => this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  /** Requests to `route` ("POST /v1/outcomes") answered at or after `since` (ms since epoch). */
  count(route: string, since = 0): number {
    return this.statuses.filter((entry) => entry.route === route && entry.at >= since).length;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const route = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
    if (this.unavailable) {
      req.resume();
      this.statuses.push({ route, status: 503, at: Date.now() });
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'no backend (test proxy)', requestId: 'proxy' } }));
      return;
    }
    const target = new URL(req.url ?? '/', this.targetUrl);
    const upstream = http.request(target, { method: req.method, headers: req.headers, agent: this.agent }, (answer) => {
      this.statuses.push({ route, status: answer.statusCode ?? 0, at: Date.now() });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

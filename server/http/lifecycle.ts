import type { NextFunction, Request, Response } from 'express';

/**
 * The instance's serving state for a graceful shutdown: requests in flight are counted, and once draining,
 * /readyz answers 503 "draining" and every response asks its connection to close, so the load balancer and
 * keep-alive clients move to other instances while the requests already here (a mailing streaming for minutes)
 * finish. server.ts decides the order (stop accepting, wait up to SHUTDOWN_DRAIN_MS, cut the rest).
 */
export class Lifecycle {
  private drainingSince: number | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  /** Counts the request until its response closes (finished, or its connection cut). Registered first in app.ts. */
  tracker() {
    return (_req: Request, res: Response, next: NextFunction) => {
      this.inFlight++;
      // A response sent while draining ends its connection: Node keeps the socket open otherwise (keep-alive).
      if (this.draining) res.setHeader('Connection', 'close');
      res.once('close', () => {
        this.inFlight--;
        if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
      next();
    };
  }

  /** Resolves 'drained' when no request is in flight, or 'deadline' after deadlineMs with some still running. */
  async whenIdle(deadlineMs: number): Promise<'drained' | 'deadline'> {
    if (this.inFlight === 0) return 'drained';
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<'drained'>((resolve) => this.idleWaiters.push(() => resolve('drained')));
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    try {
      return await Promise.race([idle, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

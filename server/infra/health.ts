import type { Logger } from '../logger';

/**
 * One dependency's availability as this instance sees it (Redis, PostgreSQL). It logs one line when the
 * dependency goes away and one when it is back, with how long it was away and how many failures the outage
 * cost, instead of one line (or one stack) per failed command or request: an outage of minutes under load
 * would otherwise bury everything else in the log.
 */
export class DependencyHealth {
  private down: { since: number; reason: string; failures: number } | undefined;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
    /** What this instance does while the dependency is away (a field of the "unavailable" line). */
    private readonly whileDown: string,
  ) {}

  get up(): boolean {
    return this.down === undefined;
  }

  /** Why it is down (the first error of the outage), for /readyz. */
  get reason(): string | undefined {
    return this.down?.reason;
  }

  /** Records a failure; the first one of an outage logs a warning. Returns true when this opened the outage. */
  markDown(reason: string): boolean {
    if (this.down) {
      this.down.failures++;
      return false;
    }
    this.down = { since: Date.now(), reason, failures: 1 };
    this.logger.warn({ dependency: this.name, reason, meanwhile: this.whileDown }, `${this.name} unavailable`);
    return true;
  }

  markUp(): void {
    if (!this.down) return;
    const { since, failures } = this.down;
    this.down = undefined;
    this.logger.info({ dependency: this.name, downForMs: Date.now() - since, failures }, `${this.name} back`);
  }
}

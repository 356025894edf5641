import type { Messages } from './messages';

/**
 * Progress of a file upload: bytes read of the file's size, and rows. On a terminal one line redrawn at most
 * ten times a second; elsewhere (logs, CI, pipes) one line at each 10 % step, so a log is not flooded.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastStep = -1;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly totalBytes: number,
    private readonly text: Messages,
    private readonly enabled: boolean,
  ) {}

  update(bytes: number, rows: number, force = false): void {
    if (!this.enabled) return;
    const ratio = this.totalBytes > 0 ? Math.min(1, bytes / this.totalBytes) : 0;
    const percent = Math.floor(ratio * 100);
    if (this.out.isTTY) {
      const now = Date.now();
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(ratio * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.out.write(`\r[${bar}] ${String(percent).padStart(3)}%  ${this.text.mb(bytes)} / ${this.text.mb(this.totalBytes)}  ${this.text.n(rows)} ${this.text.rows}  `);
      this.drawn = true;
    } else {
      const step = Math.floor(percent / 10);
      if (step === this.lastStep && !force) return;
      this.lastStep = step;
      this.out.write(`${String(percent).padStart(3)}%  ${this.text.mb(bytes)} / ${this.text.mb(this.totalBytes)}  ${this.text.n(rows)} ${this.text.rows}\n`);
    }
  }

  done(bytes: number, rows: number): void {
    if (!this.enabled) return;
    if (this.out.isTTY) {
      this.update(bytes, rows, true);
      if (this.drawn) this.out.write('\n');
    } else if (this.lastStep !== 10) {
      this.update(bytes, rows, true);
    }
  }
}

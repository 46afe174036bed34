/**
 * A one-line progress indicator on stderr: rewritten in place on a terminal, one line per step otherwise (so a
 * test's captured stderr stays readable).
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly started = Date.now();
  private lastLine = '';
  private lastDraw = 0;

  step(text: string): void {
    this.draw(text, true);
  }

  /** Fraction done of the current step; drawn at most ten times a second. */
  update(text: string, done: number, total: number): void {
    const now = Date.now();
    if (!this.tty || (now - this.lastDraw < 100 && done < total)) return;
    this.lastDraw = now;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    this.draw(`${text} ${pct}%`, false);
  }

  done(): void {
    if (this.tty && this.lastLine) process.stderr.write('\n');
    this.lastLine = '';
  }

  private draw(text: string, newStep: boolean): void {
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    const line = `[bench ${elapsed}s] ${text}`;
    if (this.tty) {
      process.stderr.write(`\r${line.padEnd(this.lastLine.length)}`);
    } else if (newStep) {
      process.stderr.write(`${line}\n`);
    }
    this.lastLine = line;
  }
}

/** Options of a `ProgressBar`. */
export interface ProgressBarOptions {
  /** Where to draw (stderr by default, so stdout keeps the table). */
  stream: NodeJS.WriteStream;
  width: number;
}

/** Defaults of `ProgressBarOptions`. */
export const progressBarDefaults: ProgressBarOptions = { stream: process.stderr, width: 30 };

/**
 * A one-line progress bar redrawn in place on a terminal; on a pipe (CI logs) it prints a line
 * only when the label changes, so logs stay short.
 */
export class ProgressBar {
  private readonly options: ProgressBarOptions;
  private lastLabel = "";
  private drawn = false;

  constructor(options: Partial<ProgressBarOptions> = {}) {
    this.options = { ...progressBarDefaults, ...options };
  }

  /** Draws `fraction` (0..1) done, a label (what runs now) and a detail (live figures). */
  update(fraction: number, label: string, detail = ""): void {
    const { stream, width } = this.options;
    const f = Math.max(0, Math.min(1, fraction));
    if (!stream.isTTY) {
      if (label !== this.lastLabel) stream.write(`[${Math.round(f * 100)}%] ${label}\n`);
      this.lastLabel = label;
      return;
    }
    const filled = Math.round(f * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const line = `${bar} ${String(Math.round(f * 100)).padStart(3)}% ${label} ${detail}`;
    const columns = stream.columns || 120;
    stream.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
    this.drawn = true;
    this.lastLabel = label;
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.drawn) this.options.stream.write("\n");
    this.drawn = false;
  }
}

import { clearScreenDown, moveCursor } from "node:readline";
import { styleText } from "node:util";
import { useColor } from "../output.js";
import type { Progress } from "../resources/resource.js";
import { printable } from "../util/printable.js";

type Line = {
  title: string;
  status: string;
  started: number;
  finished?: number;
  mark?: "ok" | "fail" | "skip";
  /** When a counter line ("12/500 ...") was last printed, for plain output. */
  counterAt?: number;
};

/**
 * The one progress renderer of the CLI (deploy, destroy, resource commands, uploads): one line per
 * task with its current step and elapsed time, redrawn in place on a terminal (cursor moves from
 * node:readline, colour from node:util, none with NO_COLOR); plain timestamped lines otherwise
 * (CI logs, pipes, tests), so the same information reaches both. Everything goes to stderr;
 * stdout stays for results (and `--json`).
 */
export class ProgressView {
  private readonly lines = new Map<string, Line>();
  private readonly tty: boolean;
  private readonly color: boolean;
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly t0 = Date.now();

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = out.isTTY === true && !process.env.CI;
    this.color = useColor(out);
    if (this.tty) this.timer = setInterval(() => this.draw(), 250).unref();
  }

  /** The Progress handle one resource reports through. */
  for(id: string, title: string): Progress & { done(summary: string, mark?: Line["mark"]): void } {
    const line: Line = { title, status: "waiting", started: Date.now() };
    this.lines.set(id, line);
    return {
      update: (message) => {
        line.status = message;
        if (this.tty) return;
        // Plain logs get at most one counter line ("uploading 12/500 ...") every 2 s, and the last one.
        const counter = /\b(\d+)\/(\d+)\b/.exec(message);
        if (counter && counter[1] !== counter[2]) {
          const now = Date.now();
          if (line.counterAt !== undefined && now - line.counterAt < 2000) return;
          line.counterAt = now;
        }
        this.print(`${title}: ${message}`);
      },
      log: (message) => this.print(`${title}: ${message}`),
      done: (summary, mark = "ok") => {
        line.status = summary;
        line.finished = Date.now();
        line.mark = mark;
        if (!this.tty)
          this.print(`${symbol(mark)} ${title}: ${summary} (${seconds(line.finished - line.started)})`);
        else this.draw();
      },
    };
  }

  /**
   * A line that stays above the live block. Messages carry text read from AWS (a stack event's
   * reason, a lock holder): `printable` keeps it from driving the terminal.
   */
  print(text: string): void {
    const message = printable(text, { keepNewlines: true });
    if (!this.tty) {
      this.out.write(`[${seconds(Date.now() - this.t0).padStart(6)}] ${message}\n`);
      return;
    }
    this.clear();
    this.out.write(`${message}\n`);
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.draw();
  }

  private clear(): void {
    if (this.drawn > 0) {
      moveCursor(this.out, 0, -this.drawn);
      clearScreenDown(this.out);
    }
    this.drawn = 0;
  }

  private draw(): void {
    this.clear();
    const width = this.out.columns ?? 100;
    for (const line of this.lines.values()) {
      const elapsed = seconds((line.finished ?? Date.now()) - line.started);
      const mark = line.mark ? symbol(line.mark) : spinner();
      // One screen line each, or the redraw above moves the cursor by the wrong count.
      const text = printable(`${mark} ${line.title}: ${line.status} (${elapsed})`).slice(0, width - 1);
      this.out.write(`${this.color && !line.mark ? styleText("dim", text) : text}\n`);
      this.drawn++;
    }
  }
}

function symbol(mark: NonNullable<Line["mark"]>): string {
  return mark === "ok" ? "✔" : mark === "fail" ? "✖" : "–";
}

function spinner(): string {
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  return frames[Math.floor(Date.now() / 100) % frames.length]!;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

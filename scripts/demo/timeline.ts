/**
 * The demo's narrated timeline: each step runs once, is timed from the start of the demo, and records what happened
 * (a one-line summary plus detail lines) or why it failed. The same records feed the console and the HTML report.
 */

export interface StepRecord {
  /** Milliseconds from the start of the demo to the end of the step. */
  atMs: number;
  durationMs: number;
  title: string;
  ok: boolean;
  /** What happened, in one line. */
  summary: string;
  /** Evidence: what was sent, read back or observed. */
  details: string[];
}

/** Thrown by a step to fail it with a readable reason (the demo then stops). */
export class StepFailed extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'StepFailed';
  }
}

export interface StepOutcome {
  summary: string;
  details?: string[];
}

export class Timeline {
  readonly steps: StepRecord[] = [];
  private readonly start = performance.now();
  readonly startedAt = new Date();

  constructor(private readonly print: (line: string) => void) {}

  elapsedMs(): number {
    return performance.now() - this.start;
  }

  /** Runs one step; records and prints it. Rethrows the failure so the demo stops at the first failed step. */
  async step<T extends StepOutcome>(title: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const out = await fn();
      this.record({ title, ok: true, summary: out.summary, details: out.details ?? [] }, t0);
      return out;
    } catch (err) {
      const details = err instanceof StepFailed ? err.details : [];
      const message = err instanceof Error ? err.message : String(err);
      this.record({ title, ok: false, summary: message, details }, t0);
      throw err;
    }
  }

  private record(r: Omit<StepRecord, 'atMs' | 'durationMs'>, t0: number): void {
    const now = performance.now();
    const rec: StepRecord = { ...r, atMs: now - this.start, durationMs: now - t0 };
    this.steps.push(rec);
    this.print(formatStep(rec));
  }
}

export function formatOffset(ms: number): string {
  return `+${(ms / 1000).toFixed(2)}s`;
}

/** `  +1.23s  [ ok ] Title — summary` and the detail lines indented below. */
export function formatStep(r: StepRecord): string {
  const head = `${formatOffset(r.atMs).padStart(8)}  ${r.ok ? '[ ok ]' : '[FAIL]'} ${r.title} — ${r.summary}`;
  return [head, ...r.details.map((d) => `${' '.repeat(17)}${d}`)].join('\n');
}

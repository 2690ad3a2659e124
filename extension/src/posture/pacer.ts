/**
 * Cooperative pacing for background work on the extension's single thread: after `sliceMs` of work it pauses
 * for `pauseMs` (a timer, not setImmediate: the pause also hands the CPU back to the function's process, which
 * shares the environment's vCPU share with us). While `hold()` is active (an INVOKE is being handled) the pauses
 * are longer still, so the hashing never competes with the turnaround to the next event/next.
 */
export interface PacerOptions {
  sliceMs?: number;
  pauseMs?: number;
  /** Pause while an invocation is in flight. */
  busyPauseMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Pacer {
  private sliceStart = performance.now();
  private held = 0;
  /** Time spent pausing (ms): reported with the hashing cost. */
  pausedMs = 0;
  readonly sliceMs: number;
  readonly pauseMs: number;
  readonly busyPauseMs: number;

  constructor(o: PacerOptions = {}) {
    this.sliceMs = o.sliceMs ?? 4;
    this.pauseMs = o.pauseMs ?? 4;
    this.busyPauseMs = o.busyPauseMs ?? 20;
  }

  /** Marks an invocation in flight until the returned function is called. */
  hold(): () => void {
    this.held++;
    let done = false;
    return () => {
      if (!done) {
        done = true;
        this.held--;
      }
    };
  }

  get busy(): boolean {
    return this.held > 0;
  }

  /** Call between units of work; resolves at once or after a pause. */
  async tick(): Promise<void> {
    if (!this.busy && performance.now() - this.sliceStart < this.sliceMs) return;
    const t = performance.now();
    await sleep(this.busy ? this.busyPauseMs : this.pauseMs);
    this.pausedMs += performance.now() - t;
    this.sliceStart = performance.now();
  }
}

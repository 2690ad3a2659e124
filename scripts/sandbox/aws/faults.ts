/** The fault currently armed on one front, with the optional "next N requests only" budget. */
import type { Fault } from './types';

const NONE: Fault = { kind: 'none' };

export class FaultSwitch {
  private fault: Fault = NONE;
  private remaining: number | undefined;

  set(fault: Fault, count?: number): void {
    if (count !== undefined && (!Number.isInteger(count) || count < 0))
      throw new Error(`fault count must be a non-negative integer, got ${count}`);
    if (fault.kind === 'latency' && !(Number.isFinite(fault.ms) && fault.ms >= 0))
      throw new Error(`latency must be >= 0 ms, got ${fault.ms}`);
    this.fault = count === 0 ? NONE : fault;
    this.remaining = fault.kind === 'none' ? undefined : count;
  }

  /** The armed fault without consuming it. */
  peek(): Fault {
    return this.fault;
  }

  /** The fault that applies to the request arriving now; consumes one unit of a counted fault. */
  take(): Fault {
    const current = this.fault;
    if (current.kind !== 'none' && this.remaining !== undefined) {
      this.remaining -= 1;
      if (this.remaining <= 0) {
        this.fault = NONE;
        this.remaining = undefined;
      }
    }
    return current;
  }
}

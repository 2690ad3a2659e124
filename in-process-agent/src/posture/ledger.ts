/**
 * The environment-lifetime ledger of files the function wrote into the tmp dirs. It IS the agent's set of dropped
 * files (the fs hooks `add` every tmp write target to it; the exec and module-load checks ask `has`), so a write
 * costs one map lookup more and nothing is detected twice. Which invocation created and last wrote each file is
 * noted on `add`; size, executable bit and the hash of small files are filled in after the invocation by
 * `settle` (asynchronous, off the write's critical path).
 */
import type { Seen } from './inventory';

/** Files hashed when at most this large. */
export const HASH_MAX_BYTES = 64 * 1024;
/** Entries kept with details; further files are still remembered as dropped (the Set) and counted. */
export const MAX_LEDGER_ENTRIES = 1024;

export interface LedgerEntry {
  path: string;
  /** `init`, or the request id of the invocation that first wrote the file. */
  createdIn: string;
  /** Request id (or `init`) of the last write. */
  lastWrittenIn: string;
  /** Writes noted since the last settle: size/mode/hash are stale. */
  dirty: boolean;
  size?: number;
  executable?: boolean;
  /** sha256 (hex) of files up to HASH_MAX_BYTES. */
  sha256?: string;
  /** False once the file was found gone. */
  exists?: boolean;
  /** Request id of the first later invocation at whose end the file still existed. */
  survivedInto?: string;
  goneCounted?: boolean;
  /** Why details are missing (`unreadable`, `not_a_file`, `too_large`). */
  skipped?: string;
}

export function seenLabel(s: Seen): string {
  return s.phase === 'init' ? 'init' : (s.requestId ?? s.phase);
}

export class TmpLedger extends Set<string> {
  readonly files = new Map<string, LedgerEntry>();
  overflow = 0;
  /** Set when a write was noted since the last settle. */
  dirty = false;
  private seen: () => Seen = () => ({ phase: 'init' });
  /** Entries neither confirmed to survive into a later invocation nor found gone. */
  private open = 0;
  private lastLabel = '';
  private lastLabelCount = 0;

  /** Where `add` learns the current invocation (set by the agent; a constructor argument would run before fields). */
  bind(seen: () => Seen): this {
    this.seen = seen;
    return this;
  }

  override add(file: string): this {
    super.add(file);
    try {
      this.note(file);
    } catch {
      /* the ledger is best effort; the dropped-file set above is what detection relies on */
    }
    return this;
  }

  private note(file: string): void {
    const label = seenLabel(this.seen());
    const e = this.files.get(file);
    this.dirty = true;
    if (e) {
      e.lastWrittenIn = label;
      e.dirty = true;
      e.exists = true;
      if (e.goneCounted) {
        // Written again after it was found gone: its survival is open again.
        e.goneCounted = false;
        if (!e.survivedInto) this.open++;
      }
      return;
    }
    if (this.files.size >= MAX_LEDGER_ENTRIES) {
      this.overflow++;
      return;
    }
    this.files.set(file, { path: file, createdIn: label, lastWrittenIn: label, dirty: true });
    this.open++;
    if (label === this.lastLabel) this.lastLabelCount++;
    else {
      this.lastLabel = label;
      this.lastLabelCount = 1;
    }
  }

  /** Whether some file written before invocation `requestId` still waits for its survival check. */
  unconfirmed(requestId: string): boolean {
    return this.open > (this.lastLabel === requestId ? this.lastLabelCount : 0);
  }

  /** The file still existed at the end of `requestId` (a later invocation than its creation). Returns true once. */
  confirm(e: LedgerEntry, requestId: string): boolean {
    if (e.survivedInto || e.createdIn === requestId) return false;
    e.survivedInto = requestId;
    this.open--;
    return true;
  }

  /** The file was found gone. Returns true the first time. */
  gone(e: LedgerEntry): boolean {
    if (e.exists === false && e.goneCounted) return false;
    e.exists = false;
    e.goneCounted = true;
    if (!e.survivedInto) this.open--;
    return true;
  }

  /** The entry of a file the function wrote, for findings about it. */
  describe(file: string): LedgerEntry | undefined {
    return this.files.get(file);
  }
}

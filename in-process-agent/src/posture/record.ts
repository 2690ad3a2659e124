/**
 * Shapes of the `agent_posture` record (docs/contracts.md, "Posture") and the bound that keeps it inside one
 * channel frame (64 KiB): long lists are cut, and what was cut is counted.
 */
import { lazy } from '../core/lazy';
import type { PackageEntry } from './inventory';
import { type LedgerEntry, seenLabel, type TmpLedger } from './ledger';

/** Payload size the record is cut to (the frame limit is 64 KiB; leave room for the envelope). */
export const RECORD_MAX_BYTES = 56 * 1024;
/** Ledger files listed per record. */
export const LEDGER_LIST_MAX = 64;

export function packageView(p: PackageEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { name: p.name, version: p.version ?? null, root: p.root };
  if (p.first.phase !== 'init') {
    out.late = true;
    out.loadedIn = seenLabel(p.first);
  }
  return out;
}

function shown(path: string): string {
  try {
    return lazy().detectors.redact(path, 200);
  } catch {
    return path.slice(0, 200);
  }
}

export function ledgerView(ledger: TmpLedger, list: LedgerEntry[]): Record<string, unknown> {
  let survivors = 0;
  let present = 0;
  for (const e of ledger.files.values()) {
    if (e.exists !== false) present++;
    if (e.survivedInto && e.exists !== false) survivors++;
  }
  return {
    total: ledger.files.size,
    present,
    survivors,
    overflow: ledger.overflow,
    listed: Math.min(list.length, LEDGER_LIST_MAX),
    files: list.slice(0, LEDGER_LIST_MAX).map((e) => {
      const f: Record<string, unknown> = {
        path: shown(e.path),
        createdIn: e.createdIn,
        lastWrittenIn: e.lastWrittenIn,
      };
      if (e.exists === false) f.exists = false;
      if (e.size !== undefined) f.size = e.size;
      if (e.executable !== undefined) f.executable = e.executable;
      if (e.sha256) f.sha256 = e.sha256;
      if (e.survivedInto) f.survivedInto = e.survivedInto;
      if (e.skipped) f.skipped = e.skipped;
      return f;
    }),
  };
}

/** Cuts the package and ledger lists until the record fits RECORD_MAX_BYTES (counts what was cut). */
export function fitRecord(data: Record<string, unknown>): Record<string, unknown> {
  const size = () => Buffer.byteLength(JSON.stringify(data));
  for (let i = 0; i < 12 && size() > RECORD_MAX_BYTES; i++) {
    const modules = data.modules as { packages?: unknown[]; builtinUses?: unknown[]; truncated?: number } | undefined;
    const tmp = data.tmp as { ledger?: { files?: unknown[]; listed?: number } } | undefined;
    const pk = modules?.packages;
    const lf = tmp?.ledger?.files;
    if (pk && pk.length > 8 && (!lf || pk.length >= lf.length)) {
      const cut = Math.ceil(pk.length / 2);
      pk.splice(pk.length - cut, cut);
      modules.truncated = (modules.truncated ?? 0) + cut;
    } else if (lf && lf.length > 1 && tmp?.ledger) {
      lf.splice(Math.ceil(lf.length / 2));
      tmp.ledger.listed = lf.length;
    } else if (modules?.builtinUses && modules.builtinUses.length > 8) {
      modules.builtinUses.splice(8);
    } else {
      // Nothing left to cut sensibly: send the counts only.
      if (modules) modules.packages = [];
      if (tmp?.ledger) tmp.ledger.files = [];
    }
  }
  return data;
}

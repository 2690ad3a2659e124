/**
 * Input correlation helpers shared by the detectors: which event strings occur in a sink argument, and where.
 * Everything is bounded: at most MAX_OCCURRENCES occurrences per input are examined.
 */
import type { InputString } from '../input/extract';
import { redact } from './redact';

/** Inputs shorter than this cannot change a sink's syntax in a way worth a finding (a lone `a`, `-`, `;`). */
export const MIN_INPUT_LENGTH = 2;
/** Occurrences of one input examined per sink argument. */
export const MAX_OCCURRENCES = 16;

/**
 * Calls `visit(start)` for each occurrence of `needle` in `hay` (up to MAX_OCCURRENCES); stops early when
 * `visit` returns true. Returns true when stopped early.
 */
export function forEachOccurrence(hay: string, needle: string, visit: (start: number) => boolean): boolean {
  if (needle.length < MIN_INPUT_LENGTH || needle.length > hay.length) return false;
  let from = 0;
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const at = hay.indexOf(needle, from);
    if (at === -1) return false;
    if (visit(at)) return true;
    from = at + 1;
  }
  return false;
}

/** True when at least one usable input occurs in `hay` (cheap pre-check before lexing the sink). */
export function anyInputOccurs(hay: string, inputs: readonly InputString[]): boolean {
  for (const inp of inputs) {
    const v = inp.value;
    if (v.length >= MIN_INPUT_LENGTH && v.length <= hay.length && hay.includes(v)) return true;
  }
  return false;
}

/** The verdict's `input` field: path plus the redacted value. */
export function inputRef(inp: InputString): { path: string; value: string } {
  return { path: inp.path, value: redact(inp.value, 256) };
}

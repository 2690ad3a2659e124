/**
 * Event → user-input strings with JSON paths. (Implementation in progress; types are stable.)
 */

/** One string from the event. `path` is a JSON path such as `$.body.cmd`, `$.Records[0].s3.object.key`,
 *  `$.headers.x-foo`, `$.body<base64>.a`, `$.Records[0].body<json>.x`. */
export interface InputString {
  path: string;
  value: string;
}

export interface ExtractLimits {
  maxStrings: number;
  maxDepth: number;
  maxTotalBytes: number;
  maxStringBytes: number;
  maxDecodeRounds: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = Object.freeze({
  maxStrings: 4096,
  maxDepth: 32,
  maxTotalBytes: 1024 * 1024,
  maxStringBytes: 64 * 1024,
  maxDecodeRounds: 3,
});

export interface ExtractResult {
  inputs: InputString[];
  capsHit: { strings: number; depth: number; bytes: number };
}

export function extractInputs(_event: unknown, _limits?: Partial<ExtractLimits>): ExtractResult {
  return { inputs: [], capsHit: { strings: 0, depth: 0, bytes: 0 } };
}

/**
 * Helpers for end-to-end tests of the Lambda sandbox: fixture paths, throw-away layers built from the test
 * extensions, the recorders' JSON-line files, and raw HTTP calls to an environment's platform APIs.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  createFunctionEnvironment,
  type FunctionEnvironment,
  type FunctionEnvironmentOptions,
  type TelemetryEvent,
} from '../../../scripts/sandbox/emulator';

export const REPO = resolve(__dirname, '..', '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures');
export const FUNCTIONS = join(FIXTURES, 'functions');
export const EXTENSIONS = join(FIXTURES, 'extensions');

/** A temporary layer dir (plays /opt) whose `extensions/` links to fixture extensions, optionally renamed. */
export interface TempLayer {
  dir: string;
  /** Adds an executable script as `<layer>/<relPath>`. */
  addScript(relPath: string, content: string, mode?: number): string;
  cleanup(): void;
}

export function makeLayer(extensions: (string | { name: string; fixture: string })[] = []): TempLayer {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-layer-'));
  mkdirSync(join(dir, 'extensions'));
  for (const e of extensions) {
    const { name, fixture } = typeof e === 'string' ? { name: e, fixture: e } : e;
    symlinkSync(join(EXTENSIONS, fixture), join(dir, 'extensions', name));
  }
  return {
    dir,
    addScript(relPath, content, mode = 0o755) {
      const p = join(dir, relPath);
      mkdirSync(resolve(p, '..'), { recursive: true });
      writeFileSync(p, content);
      chmodSync(p, mode);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Environment id used by the recorders' settings variables (`RECORDER_<KEY>_<ID>`). */
export const recorderVar = (key: string, extension: string) =>
  `RECORDER_${key}_${extension.replace(/[^A-Za-z0-9]/g, '_')}`;

export interface RecorderLine {
  kind: string;
  t?: number;
  [key: string]: unknown;
}

export function readRecords(tmpDir: string, extension: string): RecorderLine[] {
  const f = join(tmpDir, `recorder-${extension}.jsonl`);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      // The recorder may be in the middle of appending a large line: skip what does not parse yet.
      try {
        return [JSON.parse(l) as RecorderLine];
      } catch {
        return [];
      }
    });
}

/** Telemetry events a recorder received, in arrival order, and the batches they came in. */
export function receivedTelemetry(
  tmpDir: string,
  extension: string,
): { events: TelemetryEvent[]; batches: TelemetryEvent[][] } {
  const batches = readRecords(tmpDir, extension)
    .filter((r) => r.kind === 'telemetry')
    .map((r) => r.batch as TelemetryEvent[]);
  return { events: batches.flat(), batches };
}

/** Polls `check` every 20 ms until it returns a truthy value or `timeoutMs` passes (then throws). */
export async function waitFor<T>(
  check: () => T | undefined | false,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Creates an environment with short test-friendly limits; remember to `dispose()` it. */
export function testEnvironment(
  o: Partial<FunctionEnvironmentOptions> & { codeDir?: string },
): Promise<FunctionEnvironment> {
  return createFunctionEnvironment({
    codeDir: o.codeDir ?? join(FUNCTIONS, 'behaviours'),
    handler: 'index.handler',
    timeoutMs: 3_000,
    initTimeoutMs: 5_000,
    ...o,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

/** One raw HTTP call to `127.0.0.1:<port>` (the environment's AWS_LAMBDA_RUNTIME_API). */
export function call(
  runtimeApi: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const [host, port] = runtimeApi.split(':');
  return new Promise((resolvePromise, reject) => {
    const req = request({ host, port: Number(port), method, path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error('request timed out')));
    req.end(opts.body);
  });
}

/** Index of the first telemetry event matching `pred` (−1 when absent). */
export function indexOf(events: TelemetryEvent[], pred: (e: TelemetryEvent) => boolean): number {
  return events.findIndex(pred);
}

export const recordOf = (e: TelemetryEvent) => e.record as Record<string, unknown>;

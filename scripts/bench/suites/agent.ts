/**
 * In-process agent overhead, measured side by side in one run (baseline and subject alternate):
 * - process start: `node -r agent.cjs -e 0` vs `node -e 0` (wrapper mode: the preload only marks the process);
 * - hook overhead on tight loops inside an invocation: fs.readFileSync of a small file, spawnSync('true'),
 *   loopback http.get (keep-alive) and fetch. The ratio is on CPU time per operation (user + system of the loop's
 *   process): the machine is shared, and wall time also counts other processes' turns on the cores; the wall-time
 *   medians of the same runs are reported beside them;
 * - a realistic warm handler in the sandbox with and without the layer (median invoke latency).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFunctionEnvironment } from '../../sandbox/emulator';
import { type BenchResult, nowMs, sideBySide, stats } from '../lib';

const exec = promisify(execFile);

interface Ctx {
  root: string;
}

export async function run(ctx: Ctx): Promise<BenchResult[]> {
  const agent = join(ctx.root, 'build', 'layer', 'sentinel', 'agent.cjs');
  const loop = join(ctx.root, 'test', 'fixtures', 'agent', 'bench', 'loop.cjs');
  // An empty /tmp, as a fresh Lambda environment has (the agent's posture part inventories it at start; the
  // machine's shared /tmp would make that scan, not the hooks, the measure).
  const tmp = mkdtempSync(join(tmpdir(), 'sentinel-bench-tmp-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TMPDIR: tmp,
    // As the exec wrapper sets it up; no extension listens (the agent must not care).
    SENTINEL_HANDLER: 'index.handler',
    _HANDLER: '/opt/sentinel/shim.handler',
    SENTINEL_CHANNEL_DIR: join(tmpdir(), 'sentinel-bench-no-channel'),
    SENTINEL_EXEC_ALLOW: 'true',
    SENTINEL_EGRESS_ALLOW: '127.0.0.1',
  };
  const results: BenchResult[] = [];

  const start = async (args: string[], e: Record<string, string> = env) => {
    const t0 = nowMs();
    await exec(process.execPath, args, { env: e });
    return nowMs() - t0;
  };
  results.push(
    await sideBySide(
      'process start (node -e 0), wrapper mode',
      'ms',
      60,
      () => start(['-e', '0']),
      () => start(['-r', agent, '-e', '0']),
      1.1,
    ),
  );
  // Reference: what any `-r` preload costs (an empty file), the floor under the agent's figure above.
  const empty = join(tmpdir(), 'sentinel-bench-empty-preload.cjs');
  writeFileSync(empty, '');
  const floor = await sideBySide(
    'process start, empty -r preload (reference)',
    'ms',
    40,
    () => start(['-e', '0']),
    () => start(['-r', empty, '-e', '0']),
  );
  floor.notes = 'what Node charges for any preload; not the agent';
  results.push(floor);
  const preloadEnv = { ...env, SENTINEL_HANDLER: '', _HANDLER: 'index.handler' };
  const preload = await sideBySide(
    'process start (node -e 0), preload-only mode',
    'ms',
    31,
    () => start(['-e', '0'], preloadEnv),
    () => start(['-r', agent, '-e', '0'], preloadEnv),
  );
  preload.notes = 'preload-only attach hooks every builtin at once (no shim to defer to); informational';
  results.push(preload);

  // Hook overhead: the agent fully booted at preload (preload-only attach hooks everything, like the shim does).
  const loopEnv = { ...env, SENTINEL_HANDLER: '', _HANDLER: 'index.handler' };
  const wall: Record<'base' | 'agent', number[]> = { base: [], agent: [] };
  const loopRun = async (args: string[], into: number[]) => {
    const { stdout } = await exec(process.execPath, args, { env: loopEnv });
    const [wallNs, cpuNs] = stdout.trim().split(/\s+/).map(Number);
    into.push(wallNs / 1000);
    return cpuNs / 1000; // CPU µs per op
  };
  const loopOnce = (kind: string, n: number, withAgent: boolean) =>
    loopRun(
      withAgent ? ['-r', agent, loop, kind, String(n)] : [loop, kind, String(n)],
      wall[withAgent ? 'agent' : 'base'],
    );
  const loops: Array<[string, string, number, number]> = [
    ['fs.readFileSync (small file)', 'readFileSync', 20000, 1.15],
    ["spawnSync('true')", 'spawnSync', 300, 1.05],
    ['loopback http.get (keep-alive)', 'httpGet', 2000, 1.05],
    ['loopback fetch', 'fetch', 2000, 1.05],
  ];
  for (const [name, kind, n, target] of loops) {
    wall.base = [];
    wall.agent = [];
    const r = await sideBySide(
      `${name}, CPU`,
      'µs/op',
      31,
      () => loopOnce(kind, n, false),
      () => loopOnce(kind, n, true),
      target,
    );
    r.notes = 'CPU time (user + system) of the loop process per operation';
    results.push(r);
    // The same runs' wall time (informational: includes waiting for a core on the shared machine).
    const wb = stats(wall.base);
    const wa = stats(wall.agent);
    results.push({
      name: `${name}, wall`,
      unit: 'µs/op',
      baseline: wb,
      subject: wa,
      ratio: wa.median / wb.median,
      notes: 'same runs as the CPU row; wall time includes waiting for a core',
    });
  }

  // spawnSync's cost is mostly fork(), which copies the page tables of the calling process: it grows with the
  // process's resident memory, and the agent's code, heap and builtins add ~5 MB to a nearly empty process. This
  // row separates the hook from that: the agent is loaded in both runs; the baseline calls the function as it was
  // before the agent hooked it.
  const capture = join(ctx.root, 'test', 'fixtures', 'agent', 'bench', 'capture-original.cjs');
  const hookOnly = await sideBySide(
    "spawnSync('true'), the hook alone (agent loaded in both; original vs hooked function), CPU",
    'µs/op',
    31,
    () => loopRun(['-r', capture, '-r', agent, loop, 'spawnSyncOriginal', '300'], []),
    () => loopRun(['-r', capture, '-r', agent, loop, 'spawnSync', '300'], []),
  );
  hookOnly.notes = 'what the hook adds to each call; the row above also counts fork() copying the larger process';
  results.push(hookOnly);

  rmSync(tmp, { recursive: true, force: true });

  results.push(await warmHandler(ctx, true));
  results.push(await warmHandler(ctx, false));
  return results;
}

/** Smallest slot per invocation in the warm-handler measure (> the 25 ms telemetry buffer). */
const PACE_MS = 30;

/**
 * Median warm invoke latency of the same function with and without the layer. `withExtension` false keeps only
 * the wrapper and the agent (the extension removed), to separate the agent's share from the extension's CPU use
 * on the same two cores.
 */
async function warmHandler(ctx: Ctx, withExtension: boolean): Promise<BenchResult> {
  const layer = mkdtempSync(join(tmpdir(), 'sentinel-bench-layer-'));
  cpSync(join(ctx.root, 'build', 'layer'), layer, { recursive: true });
  if (!withExtension) rmSync(join(layer, 'extensions'), { recursive: true, force: true });
  const codeDir = join(ctx.root, 'test', 'fixtures', 'agent', 'bench', 'bench-fn');
  const common = { codeDir, handler: 'index.handler', timeoutMs: 10_000, initTimeoutMs: 10_000 };
  const plain = await createFunctionEnvironment({ ...common, functionName: 'bench-plain' });
  const guarded = await createFunctionEnvironment({
    ...common,
    functionName: 'bench-guarded',
    layerDir: layer,
    env: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper', SENTINEL_RESPONSE: 'off', SENTINEL_LOG_LEVEL: 'warn' },
  });
  try {
    const event = { body: JSON.stringify({ name: 'world' }), requestContext: { http: { method: 'POST' } } };
    // Warm: the JIT has compiled both paths (a warm Lambda environment has served many requests).
    for (let i = 0; i < 200; i++) {
      await plain.invoke(event);
      await guarded.invoke(event);
    }
    // Requests arrive paced (each invocation gets a slot of at least PACE_MS, and the two functions take turns),
    // as spaced-out traffic does, rather than each right after the previous one settled: the environment with the
    // extension settles only once the telemetry batch (25 ms buffer) reached it, so back-to-back rounds would give
    // the two sides different idle times before their invocations, and the measure would follow the machine's
    // power and cache state, not Sentinel.
    const invoke = async (env: typeof plain) => {
      const t0 = nowMs();
      const r = await env.invoke(event);
      await env.settled();
      const rest = PACE_MS - (nowMs() - t0);
      if (rest > 0) await new Promise((done) => setTimeout(done, rest));
      return r.durationMs;
    };
    const name = withExtension
      ? 'warm handler in the sandbox, with vs without the layer'
      : 'warm handler, agent only (layer without the extension)';
    const r = await sideBySide(
      name,
      'ms',
      300,
      () => invoke(plain),
      () => invoke(guarded),
      withExtension ? 1.05 : undefined,
    );
    r.notes = `median of invoke → response latency; +${((r.subject.median - (r.baseline?.median ?? 0)) * 1000).toFixed(0)} µs per invocation`;
    return r;
  } finally {
    await plain.dispose();
    await guarded.dispose();
    rmSync(layer, { recursive: true, force: true });
  }
}

/**
 * Posture benchmarks (extension side), side by side in one run. The "function code" is the repo's
 * node_modules/@aws-sdk (≈ 25 MB, ≈ 3 300 files: a function bundled with the AWS SDK), handed to the extension as
 * LAMBDA_TASK_ROOT.
 * - raw hashing cost: hashTree without pacing (files, bytes, ms, MB/s), and paced as the extension runs it;
 * - critical path: launcher spawn → first event/next with posture on vs off (the hashing starts after it);
 * - INVOKE turnaround while the background hashing runs (invokes start right after the first event/next), on vs off;
 * - in the sandbox, with the agent attached by the wrapper: environment start → first INVOKE response, posture on
 *   vs off (SENTINEL_POSTURE switches both sides; the agent helper's suite isolates the agent's init cost).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FakeExtensionsApi } from '../../../extension/src/lifecycle/testing/fake-extensions-api';
import { Pacer } from '../../../extension/src/posture/pacer';
import { hashTree } from '../../../extension/src/posture/tree-hash';
import { createFunctionEnvironment } from '../../sandbox/emulator';
import { startExtension } from '../extension-process';
import { type BenchResult, nowMs, sideBySide, stats } from '../lib';

interface Ctx {
  root: string;
}

const ev = (type: string, record: unknown) => ({ time: new Date().toISOString(), type, record });
const exited = (p: ChildProcess) =>
  new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))));

const startPostureExtension = (root: string, tmp: string, taskRoot: string, posture: boolean) =>
  startExtension(root, tmp, {
    SENTINEL_EXPECT_AGENT: 'false',
    SENTINEL_POSTURE: String(posture),
    LAMBDA_TASK_ROOT: taskRoot,
  });

async function stop(api: FakeExtensionsApi, child: ChildProcess): Promise<void> {
  api.shutdown(2000);
  const code = await exited(child);
  await api.close();
  if (code !== 0) throw new Error(`extension exited with ${code}`);
}

/** `n` invokes right after the first event/next (telemetry included), returns turnaround times at the fake. */
async function invokes(api: FakeExtensionsApi, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = `p-${i}`;
    await api.postTelemetry([
      ev('platform.start', { requestId: id }),
      ev('platform.runtimeDone', { requestId: id, status: 'success', metrics: { durationMs: 1 } }),
    ]);
    const before = api.nextCalls.length;
    const t0 = nowMs();
    api.invoke(id);
    await api.waitForNext(before + 1);
    out.push(api.nextCalls[before] - t0);
    await api.postTelemetry([
      ev('platform.report', {
        requestId: id,
        status: 'success',
        metrics: { durationMs: 1, billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 50 },
      }),
    ]);
  }
  return out;
}

function postureRecord(output: string): Record<string, unknown> | undefined {
  for (const l of output.split('\n')) {
    if (!l.includes('"evt":"posture"')) continue;
    return (JSON.parse(l) as { posture: Record<string, unknown> }).posture;
  }
  return undefined;
}

export async function run(ctx: Ctx): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const taskRoot = path.join(ctx.root, 'node_modules', '@aws-sdk');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-posture-'));
  try {
    // ---- raw hashing cost (in this process)
    await hashTree(taskRoot); // warm the file cache
    const raw: number[] = [];
    let files = 0;
    let bytes = 0;
    for (let i = 0; i < 5; i++) {
      const t = await hashTree(taskRoot, { pacer: new Pacer({ sliceMs: 1e9 }) });
      raw.push(t.ms);
      files = t.files.size;
      bytes = t.bytes;
    }
    const rawStats = stats(raw);
    results.push({
      name: `hash the code tree unpaced (${files} files, ${(bytes / 1048576).toFixed(1)} MB)`,
      unit: 'ms',
      subject: rawStats,
      value: rawStats.median,
      notes: `${(bytes / 1048576 / (rawStats.median / 1000)).toFixed(0)} MB/s`,
    });
    const paced: number[] = [];
    for (let i = 0; i < 3; i++) paced.push((await hashTree(taskRoot)).ms);
    results.push({
      name: 'hash the code tree paced as in the extension (4 ms work / 4 ms pause), vs unpaced',
      unit: 'ms',
      baseline: rawStats,
      subject: stats(paced),
      ratio: stats(paced).median / rawStats.median,
    });

    // ---- critical path: spawn → first event/next, posture on vs off
    const warm = await startPostureExtension(ctx.root, tmp, taskRoot, true);
    await stop(warm.api, warm.child);
    results.push(
      await sideBySide(
        'extension spawn → first event/next, posture on (vs off)',
        'ms',
        11,
        async () => {
          const s = await startPostureExtension(ctx.root, tmp, taskRoot, false);
          await stop(s.api, s.child);
          return s.firstNextMs;
        },
        async () => {
          const s = await startPostureExtension(ctx.root, tmp, taskRoot, true);
          await stop(s.api, s.child);
          return s.firstNextMs;
        },
        1.1,
      ),
    );

    // ---- INVOKE turnaround while hashing runs in the background
    const N = 60;
    const turn = { on: [] as number[], off: [] as number[] };
    const costs: { ms: number; files: number; bytes: number; pausedMs: number }[] = [];
    for (let round = 0; round < 3; round++)
      for (const on of [false, true]) {
        const s = await startPostureExtension(ctx.root, tmp, taskRoot, on);
        turn[on ? 'on' : 'off'].push(...(await invokes(s.api, N)));
        // Let the cold-start part finish so the record carries the full cost.
        for (let i = 0; i < 200 && on && !postureRecord(s.output()); i++) await new Promise((r) => setTimeout(r, 50));
        await stop(s.api, s.child);
        const rec = on ? postureRecord(s.output()) : undefined;
        const integrity = rec?.integrity as
          | { task: { ms: number; files: number; bytes: number }; pausedMs: number }
          | undefined;
        if (integrity)
          costs.push({
            ms: integrity.task.ms,
            files: integrity.task.files,
            bytes: integrity.task.bytes,
            pausedMs: integrity.pausedMs,
          });
      }
    const on = stats(turn.on);
    const off = stats(turn.off);
    results.push({
      name: `INVOKE turnaround at the fake during background hashing, posture on (vs off); ${N}×3 invokes`,
      unit: 'ms',
      baseline: off,
      subject: on,
      ratio: on.median / off.median,
      notes: `p99 ${on.p99.toFixed(2)} ms vs ${off.p99.toFixed(2)} ms`,
    });
    if (costs.length > 0) {
      const c = stats(costs.map((x) => x.ms));
      results.push({
        name: `extension's cold-start code hashing as recorded in the posture record (${costs[0].files} files, ${(costs[0].bytes / 1048576).toFixed(1)} MB, during invokes)`,
        unit: 'ms',
        subject: c,
        value: c.median,
        notes: `paused (yielding) median ${stats(costs.map((x) => x.pausedMs)).median.toFixed(0)} ms`,
      });
    }

    // ---- sandbox: environment start → first INVOKE response, posture on vs off (agent attached)
    const layerDir = path.join(ctx.root, 'build', 'layer');
    const firstInvoke = async (posture: boolean) => {
      const t0 = nowMs();
      const env = await createFunctionEnvironment({
        codeDir: path.join(ctx.root, 'test', 'fixtures', 'functions', 'echo'),
        handler: 'index.handler',
        layerDir,
        env: {
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper',
          SENTINEL_RESPONSE: 'off',
          SENTINEL_POSTURE: String(posture),
          API_TOKEN: 'f8Kq2zP9xLw4Rt7Yb3Nm',
        },
      });
      try {
        const r = await env.invoke({ bench: true });
        if (r.statusCode !== 200) throw new Error(`invoke failed: ${r.statusCode}`);
        return nowMs() - t0;
      } finally {
        await env.dispose();
      }
    };
    await firstInvoke(true);
    results.push(
      await sideBySide(
        'sandbox: environment start → first INVOKE response, posture on (vs off), agent attached',
        'ms',
        9,
        () => firstInvoke(false),
        () => firstInvoke(true),
        1.1,
      ),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

/**
 * Extension benchmarks, side by side in one run, against the built layer and a minimal Extensions API fake:
 * - cold start: launcher spawn → first event/next, vs a bare `node -e 0` (spawn → exit); target ≤ 1.5×
 * - memory: the extension's peak RSS (VmHWM) after warm invokes with telemetry, vs an idle bare node; ≤ 1.5×
 * - INVOKE turnaround: INVOKE delivered → next event/next, with runtimeDone already delivered (so the wait for it
 *   is excluded); measured at the fake (includes loopback HTTP) and inside the extension; p99 ≤ 2 ms
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeExtensionsApi } from '../../../extension/src/lifecycle/testing/fake-extensions-api';
import { type BenchResult, nowMs, sideBySide, stats } from '../lib';

interface Ctx {
  root: string;
}

const ev = (type: string, record: unknown) => ({ time: new Date().toISOString(), type, record });

function exited(p: ChildProcess): Promise<number | null> {
  return new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (c) => r(c))));
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmHWM');
  return Number(m[1]) / 1024;
}

async function startExtension(root: string, tmp: string) {
  const api = await FakeExtensionsApi.start();
  const launcher = path.join(root, 'build', 'layer', 'extensions', 'sentinel');
  const t0 = nowMs();
  let out = '';
  const child = spawn(launcher, [], {
    env: { PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: api.runtimeApi, SENTINEL_CHANNEL_DIR: path.join(tmp, `ch-${process.hrtime.bigint()}`), AWS_REGION: 'us-east-1', AWS_LAMBDA_FUNCTION_NAME: 'bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await api.waitForNext(1);
  const firstNextMs = api.nextCalls[0] - t0;
  return { api, child, firstNextMs, output: () => out };
}

async function stop(api: FakeExtensionsApi, child: ChildProcess): Promise<void> {
  api.shutdown(2000);
  const code = await exited(child);
  await api.close();
  if (code !== 0) throw new Error(`extension exited with ${code}`);
}

export async function run(ctx: Ctx): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-ext-'));
  const results: BenchResult[] = [];
  try {
    // Warm the file cache for both sides once.
    await exited(spawn(process.execPath, ['-e', '0']));
    const warm = await startExtension(ctx.root, tmp);
    await stop(warm.api, warm.child);

    results.push(
      await sideBySide(
        'spawn → first event/next (vs bare node -e 0 spawn → exit)',
        'ms',
        15,
        async () => {
          const t0 = nowMs();
          await exited(spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }));
          return nowMs() - t0;
        },
        async () => {
          const s = await startExtension(ctx.root, tmp);
          await stop(s.api, s.child);
          return s.firstNextMs;
        },
        1.5,
      ),
    );

    // Turnaround and memory in one warm run.
    const s = await startExtension(ctx.root, tmp);
    const external: number[] = [];
    const N = 300;
    for (let i = 0; i < N; i++) {
      const id = `bench-${i}`;
      await s.api.postTelemetry([ev('platform.start', { requestId: id }), ev('function', `t\t${id}\tINFO\tline ${i}`), ev('platform.runtimeDone', { requestId: id, status: 'success', metrics: { durationMs: 1 } })]);
      const t0 = nowMs();
      s.api.invoke(id);
      await s.api.waitForNext(i + 2);
      external.push(s.api.nextCalls[i + 1] - t0);
      // The report comes after event/next, as on Lambda.
      await s.api.postTelemetry([ev('platform.report', { requestId: id, status: 'success', metrics: { durationMs: 1, billedDurationMs: 1, memorySizeMB: 128, maxMemoryUsedMB: 50 } })]);
    }
    const extPeak = peakRssMb(s.child.pid as number);
    await stop(s.api, s.child);
    const stopped = s
      .output()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.evt === 'lifecycle' && l.state === 'stopped');
    const internal = stopped?.turnaroundMs as { p50: number; p99: number; max: number } | undefined;
    const ext = stats(external);
    results.push({ name: 'INVOKE turnaround p99, at the fake (incl. loopback HTTP)', unit: 'ms', subject: ext, value: ext.p99, target: '≤ 2 ms', pass: ext.p99 <= 2, notes: `${N} invokes` });
    if (internal)
      results.push({
        name: 'INVOKE turnaround p99, inside the extension',
        unit: 'ms',
        subject: { median: internal.p50, min: 0, max: internal.max, p99: internal.p99, samples: N },
        value: internal.p99,
        target: '≤ 2 ms',
        pass: internal.p99 <= 2,
      });

    const idlePeaks: number[] = [];
    for (let i = 0; i < 5; i++) {
      const idle = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 300));
      idlePeaks.push(peakRssMb(idle.pid as number));
      idle.kill();
      await exited(idle);
    }
    const idle = stats(idlePeaks);
    const subj = stats([extPeak]);
    results.push({
      name: `peak RSS after ${N} warm invokes (vs idle bare node)`,
      unit: 'MB',
      baseline: idle,
      subject: subj,
      ratio: subj.median / idle.median,
      target: '≤ 1.5×',
      pass: subj.median / idle.median <= 1.5,
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

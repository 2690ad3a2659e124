/**
 * The built extension launched as Lambda would launch it, against the fake Extensions API: shared by the bench
 * suites that measure the extension (startup, memory, posture).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FakeExtensionsApi } from '../../extension/src/lifecycle/testing/fake-extensions-api';
import { nowMs } from './lib';

/** CPU time of all threads of a live process (ms): less sensitive to a loaded machine than wall time. */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`))
    ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
  return ns / 1e6;
}

/** Spawns build/layer/extensions/sentinel and waits for its first event/next. */
export async function startExtension(root: string, tmp: string, env: Record<string, string> = {}) {
  const api = await FakeExtensionsApi.start();
  const launcher = path.join(root, 'build', 'layer', 'extensions', 'sentinel');
  const t0 = nowMs();
  let out = '';
  const child = spawn(launcher, [], {
    env: {
      PATH: process.env.PATH,
      AWS_LAMBDA_RUNTIME_API: api.runtimeApi,
      SENTINEL_CHANNEL_DIR: path.join(tmp, `ch-${process.hrtime.bigint()}`),
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'bench',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await api.waitForNext(1);
  const firstNextMs = api.nextCalls[0] - t0;
  const firstNextCpuMs = cpuMs(child.pid as number);
  return { api, child, firstNextMs, firstNextCpuMs, output: () => out };
}

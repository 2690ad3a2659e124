/**
 * One bundled runtime per test file, one fake Runtime API per started runtime, everything cleaned up.
 * Usage: `const h = useRuntimeHarness();` at the top of a describe block, then `await h.start({...})`.
 */
import { FakeRuntimeApi } from './fake-runtime-api';
import { bundleRuntime, type RuntimeRun, removeDir, type StartOptions, startRuntime } from './runtime-process';

export interface Started {
  api: FakeRuntimeApi;
  run: RuntimeRun;
}

export interface Harness {
  runtimeDir(): string;
  start(o: Omit<StartOptions, 'runtimeDir' | 'runtimeApi'> & { runtimeDir?: string }): Promise<Started>;
}

/** Registers beforeAll/afterEach/afterAll hooks in the calling describe block. */
export function useRuntimeHarness(): Harness {
  let dir: string | undefined;
  const live: Started[] = [];
  beforeAll(async () => {
    dir = await bundleRuntime();
  });
  afterEach(async () => {
    for (const s of live.splice(0)) {
      s.run.kill();
      await s.run.exited;
      await s.api.close();
    }
  });
  afterAll(() => removeDir(dir));
  return {
    runtimeDir: () => dir!,
    start: async (o) => {
      const api = new FakeRuntimeApi();
      const runtimeApi = await api.start();
      const run = startRuntime({ ...o, runtimeDir: o.runtimeDir ?? dir!, runtimeApi });
      const started = { api, run };
      live.push(started);
      return started;
    },
  };
}

/** Resolves with the first of: the runtime posted an init error, or it reached `/next` (init done), or it exited. */
export async function initOutcome(s: Started): Promise<'init-error' | 'ready' | 'exited'> {
  return Promise.race([
    s.api.initError().then(() => 'init-error' as const),
    s.api.waitForNext().then(() => 'ready' as const),
    s.run.exited.then(() => 'exited' as const),
  ]);
}

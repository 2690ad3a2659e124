/**
 * bootstrap.sh (the emulated /var/runtime/bootstrap): exec wrapper errors and pass-through, node flags per
 * version, NODE_PATH with the layer dir as /opt, NODE_EXTRA_CA_CERTS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableRuntimes } from '../../lib/runtimes';
import { initOutcome, useRuntimeHarness } from './testing/harness';
import { HANDLER_FIXTURES as FIX } from './testing/runtime-process';

jest.setTimeout(30_000);

interface Echo {
  env: { nodePath?: string; executionEnv?: string; extraCaCerts?: string };
  execArgv: string[];
  preloaded: boolean;
}

describe.each(availableRuntimes())('bootstrap.sh on Node $major', ({ major, node }) => {
  const h = useRuntimeHarness();

  const echo = async (env: Record<string, string> = {}): Promise<Echo> => {
    const s = await h.start({ node, taskRoot: join(FIX, 'cjs'), handler: 'index.handler', env });
    expect(await initOutcome(s)).toBe('ready');
    const posted = await s.api.invoke({ event: {} });
    return JSON.parse(posted.body) as Echo;
  };

  test('missing exec wrapper: "<path>: does not exist", exit 127', async () => {
    const wrapper = join(FIX, 'wrappers', 'no-such-wrapper');
    const s = await h.start({
      node,
      taskRoot: join(FIX, 'cjs'),
      handler: 'index.handler',
      env: { AWS_LAMBDA_EXEC_WRAPPER: wrapper },
    });
    expect((await s.run.exited).code).toBe(127);
    expect(s.run.stdout()).toBe(`${wrapper}: does not exist\n`);
    expect(s.api.nextCalls).toBe(0);
  });

  test('non-executable exec wrapper: "<path>: is not an executable", exit 126', async () => {
    const wrapper = join(FIX, 'wrappers', 'not-executable');
    const s = await h.start({
      node,
      taskRoot: join(FIX, 'cjs'),
      handler: 'index.handler',
      env: { AWS_LAMBDA_EXEC_WRAPPER: wrapper },
    });
    expect((await s.run.exited).code).toBe(126);
    expect(s.run.stdout()).toBe(`${wrapper}: is not an executable\n`);
  });

  test('a working exec wrapper gets node + args and can add a --require preload', async () => {
    const r = await echo({ AWS_LAMBDA_EXEC_WRAPPER: join(FIX, 'wrappers', 'add-require') });
    expect(r.preloaded).toBe(true);
    expect(r.execArgv.slice(0, 3)).toEqual(['--expose-gc', '--max-http-header-size', '81920']);
    const without = await echo();
    expect(without.preloaded).toBe(false);
  });

  test('node flags: heap from memory size and the per-version experimental switches', async () => {
    const r = await echo({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' });
    const expected = ['--expose-gc', '--max-http-header-size', '81920'];
    if (major === 20 || major === 22) expected.push('--no-experimental-require-module');
    if (major === 22) expected.push('--no-experimental-detect-module');
    expected.push('--max-semi-space-size=51', '--max-old-space-size=922');
    expect(r.execArgv).toEqual(expected);
    expect(r.env.executionEnv).toBe(`AWS_Lambda_nodejs${major}.x`);
  });

  test('NODE_OPTIONS: heap flags kept out on 24 only, positive experimental flag drops the switch', async () => {
    const r = await echo({ NODE_OPTIONS: '--max-old-space-size=200' });
    expect(r.execArgv.some((a) => a.startsWith('--max-old-space-size'))).toBe(major < 24);
    expect(r.execArgv).toContain('--max-semi-space-size=6');
    if (major === 22) {
      const r2 = await echo({ NODE_OPTIONS: '--experimental-require-module' });
      expect(r2.execArgv).not.toContain('--no-experimental-require-module');
      expect(r2.execArgv).toContain('--no-experimental-detect-module');
    }
  });

  test('NODE_PATH: layer dir as /opt, runtime dir, task root; a preset NODE_PATH wins', async () => {
    const opt = join(FIX, 'layer-opt');
    const r = await echo({ SANDBOX_OPT_DIR: opt });
    const runtimeDir = h.runtimeDir();
    expect(r.env.nodePath).toBe(
      [
        `${opt}/nodejs/node${major}/node_modules`,
        `${opt}/nodejs/node_modules`,
        `${runtimeDir}/node_modules`,
        runtimeDir,
        join(FIX, 'cjs'),
      ].join(':'),
    );
    expect((await echo({ NODE_PATH: '/custom' })).env.nodePath).toBe('/custom');
  });

  test('NODE_EXTRA_CA_CERTS only when the runtime dir has ca-cert.pem and the variable is unset', async () => {
    expect((await echo()).env.extraCaCerts).toBeUndefined();
    const runtimeDir = mkdtempSync(join(tmpdir(), 'runtime-dir-'));
    try {
      writeFileSync(join(runtimeDir, 'ca-cert.pem'), '');
      expect((await echo({ LAMBDA_RUNTIME_DIR: runtimeDir })).env.extraCaCerts).toBe(join(runtimeDir, 'ca-cert.pem'));
      expect((await echo({ LAMBDA_RUNTIME_DIR: runtimeDir, NODE_EXTRA_CA_CERTS: '/mine.pem' })).env.extraCaCerts).toBe(
        '/mine.pem',
      );
    } finally {
      rmSync(runtimeDir, { recursive: true, force: true });
    }
  });
});

/**
 * (a) Semantics: every hooked builtin behaves identically with and without the agent. The same probe runs in a
 * child process twice — plain, and with `-r build/layer/sentinel/agent.cjs` (agent active, monitor mode) — on every
 * Node runtime of the matrix, and the observations (results, errors, callbacks, promises, events, this, name,
 * length, promisify) must be equal.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { availableRuntimes } from '../../scripts/lib/runtimes';

const root = resolve(__dirname, '..', '..');
const agent = join(root, 'build', 'layer', 'sentinel', 'agent.cjs');
const fixtures = join(root, 'test', 'fixtures', 'agent', 'semantics');
const run = promisify(execFile);

const baseEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: process.env.HOME ?? '/tmp',
  // Agent active as in a Lambda runtime process; no extension listening (the agent must not care).
  _HANDLER: 'probe.handler',
  LAMBDA_TASK_ROOT: fixtures,
  SENTINEL_CHANNEL_DIR: join(fixtures, '.no-channel'),
  AWS_SECRET_ACCESS_KEY: 'probe-secret-value-1234567890',
  SENTINEL_EXEC_ALLOW: '*',
};

async function probe(node: string, script: string, withAgent: boolean): Promise<Record<string, unknown>> {
  const args = withAgent ? ['-r', agent, script] : [script];
  const { stdout } = await run(node, args, { env: baseEnv, timeout: 30000, maxBuffer: 8 << 20 });
  // Temporary directory names differ between runs.
  return JSON.parse(stdout.replace(/probe-[A-Za-z0-9]{6}/g, 'probe-X')) as Record<string, unknown>;
}

describe.each(availableRuntimes())('agent semantics on Node $major', ({ node }) => {
  it('observations are identical with and without the agent', async () => {
    const [plain, hooked] = await Promise.all([
      probe(node, join(fixtures, 'probe.cjs'), false),
      probe(node, join(fixtures, 'probe.cjs'), true),
    ]);
    expect(plain.fatal).toBeUndefined();
    expect(Object.keys(plain).length).toBeGreaterThan(80);
    for (const key of Object.keys(plain)) expect({ key, value: hooked[key] }).toEqual({ key, value: plain[key] });
    expect(Object.keys(hooked).sort()).toEqual(Object.keys(plain).sort());
    // The forked Node child inherits NODE_OPTIONS-like preloads but the agent stays dormant there.
    expect(hooked.fork).toEqual({ args: ['arg1'], agent: false });
  });

  it('block mode fails each API in its own convention and the operation never runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-block-'));
    try {
      const { stdout } = await run(node, ['-r', agent, join(fixtures, 'block-probe.cjs')], {
        env: {
          ...baseEnv,
          SENTINEL_MODE: 'block',
          SENTINEL_EXEC_ALLOW: '',
          PROBE_DIR: dir,
          PROBE_CODE: 'return 1; })(); (() => {',
        },
        timeout: 30000,
      });
      const blocked = 'SentinelBlockedError|ERR_SENTINEL_BLOCKED|true';
      expect(JSON.parse(stdout)).toEqual({
        execSync: blocked,
        execFileSync: blocked,
        spawnSync: `${blocked}|status=null`,
        exec: `${blocked}|["",""]`,
        execFile: blocked,
        execFileChild: true,
        execPromisified: blocked,
        spawn: [`error:${blocked}`, 'close'],
        readFileSync: blocked,
        readFile: blocked,
        promisesReadFile: blocked,
        readStream: blocked,
        httpGet: blocked,
        fetch: blocked,
        netConnect: blocked,
        dnsLookup: blocked,
        dnsPromises: blocked,
        Function: blocked,
        ran: false,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hostile events (6 MiB, deep nesting, binary, invalid UTF-8) never break hooked operations', async () => {
    const { stdout } = await run(node, ['-r', agent, join(fixtures, 'hostile-probe.cjs')], {
      env: { ...baseEnv, SENTINEL_MODE: 'block', SENTINEL_EXEC_ALLOW: 'echo' },
      timeout: 30000,
      maxBuffer: 1 << 20,
    });
    const good = { ok: true, fast: true };
    expect(JSON.parse(stdout)).toEqual({
      huge: good,
      deep: good,
      binary: good,
      invalidUtf8: good,
      manyStrings: good,
      internalErrors: 0,
    });
  });

  it('ESM importers see the hooked builtins', async () => {
    const plain = await probe(node, join(fixtures, 'esm-probe.mjs'), false);
    const hooked = await probe(node, join(fixtures, 'esm-probe.mjs'), true);
    expect(plain).toEqual({
      agent: false,
      same: [true, true, true, true, true],
      hooked: [false, false, false, false, false],
    });
    expect(hooked).toEqual({
      agent: true,
      same: [true, true, true, true, true],
      hooked: [true, true, true, true, true],
    });
  });
});

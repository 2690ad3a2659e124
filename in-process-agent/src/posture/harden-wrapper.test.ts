/**
 * SENTINEL_HARDEN in layer/sentinel-wrapper (POSIX sh), against stand-in node binaries: which Node versions get the
 * permission-model flags (version from the distribution's node_version.h, `node --version` without it), which
 * grants follow from SENTINEL_EXEC_ALLOW and from a native addon beside the runtime's entry script, and that user
 * flags and paths with spaces survive. The real binaries are exercised by test/e2e/posture-agent.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const WRAPPER = resolve(__dirname, '..', '..', '..', 'layer', 'sentinel-wrapper');

let base: string;
let wrapper: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sentinel-harden-'));
  mkdirSync(join(base, 'opt', 'sentinel'), { recursive: true });
  cpSync(WRAPPER, join(base, 'opt', 'sentinel-wrapper'));
  writeFileSync(join(base, 'opt', 'sentinel', 'agent.cjs'), '');
  wrapper = join(base, 'opt', 'sentinel-wrapper');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A stand-in Node distribution: bin/node prints NODE_OPTIONS (or its version), include/ holds node_version.h. */
function fakeNode(name: string, version: string, header = true): string {
  const dir = join(base, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const [maj, min, patch] = version.split('.');
  const node = join(dir, 'bin', 'node');
  writeFileSync(
    node,
    `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; exit 0; fi\nprintf '%s' "$NODE_OPTIONS"\n`,
  );
  chmodSync(node, 0o755);
  if (header) {
    mkdirSync(join(dir, 'include', 'node'), { recursive: true });
    writeFileSync(
      join(dir, 'include', 'node', 'node_version.h'),
      `#ifndef SRC_NODE_VERSION_H_\n#define SRC_NODE_VERSION_H_\n\n#define NODE_MAJOR_VERSION ${maj}\n#define NODE_MINOR_VERSION ${min}\n#define NODE_PATCH_VERSION ${patch}\n`,
    );
  }
  return node;
}

function wrap(node: string, env: Record<string, string>, args: string[] = ['/var/runtime/index.mjs']): string {
  return execFileSync('/bin/sh', [wrapper, node, '--expose-gc', ...args], {
    env: { PATH: '/usr/bin:/bin', _HANDLER: 'index.handler', ...env },
    encoding: 'utf8',
  });
}

const agentOpt = () => `--require "${base}/opt/sentinel/agent.cjs"`;

describe('sentinel-wrapper SENTINEL_HARDEN', () => {
  it('adds nothing without SENTINEL_HARDEN, and nothing on Node before 22.13', () => {
    const n24 = fakeNode('n24', '24.1.0');
    expect(wrap(n24, {})).toBe(agentOpt());
    expect(wrap(n24, { SENTINEL_HARDEN: 'false' })).toBe(agentOpt());
    for (const v of ['20.20.2', '22.12.0'])
      expect(wrap(fakeNode(`n${v}`, v), { SENTINEL_HARDEN: 'true' })).toBe(agentOpt());
  });

  it('on Node ≥ 22.13: reads open, writes only to the tmp dir, no child processes, workers or addons', () => {
    for (const v of ['22.13.0', '24.0.0']) {
      expect(wrap(fakeNode(`m${v}`, v), { SENTINEL_HARDEN: 'TRUE', TMPDIR: '/tmp/env x/' })).toBe(
        `${agentOpt()} --permission --allow-fs-read=* --allow-fs-write="/tmp/env x"`,
      );
    }
    // Without TMPDIR the tmp dir is /tmp (Lambda).
    expect(wrap(fakeNode('d', '22.20.0'), { SENTINEL_HARDEN: '1' })).toBe(
      `${agentOpt()} --permission --allow-fs-read=* --allow-fs-write="/tmp"`,
    );
  });

  it('falls back to `node --version` when the distribution has no node_version.h', () => {
    expect(wrap(fakeNode('noheader', '22.14.1', false), { SENTINEL_HARDEN: 'on' })).toContain('--permission');
    expect(wrap(fakeNode('noheader20', '20.19.0', false), { SENTINEL_HARDEN: 'on' })).toBe(agentOpt());
  });

  it('grants child processes only with SENTINEL_EXEC_ALLOW, addons only when the runtime ships one', () => {
    const n = fakeNode('g', '24.2.0');
    const withExec = wrap(n, { SENTINEL_HARDEN: 'true', SENTINEL_EXEC_ALLOW: 'convert' });
    expect(withExec).toContain(' --allow-child-process');
    expect(withExec).toContain(' --disable-warning=SecurityWarning');
    expect(withExec).not.toContain('--allow-addons');
    const runtime = join(base, 'runtime');
    mkdirSync(runtime, { recursive: true });
    writeFileSync(join(runtime, 'index.mjs'), '');
    expect(wrap(n, { SENTINEL_HARDEN: 'true' }, [join(runtime, 'index.mjs')])).not.toContain('--allow-addons');
    writeFileSync(join(runtime, 'rapid-client.node'), '');
    const withAddon = wrap(n, { SENTINEL_HARDEN: 'true' }, [join(runtime, 'index.mjs'), 'index.handler']);
    expect(withAddon).toContain(' --allow-addons --disable-warning=SecurityWarning');
    expect(withAddon).not.toContain('--allow-child-process');
    expect(wrap(n, { SENTINEL_HARDEN: 'true', LAMBDA_RUNTIME_DIR: runtime }, ['/elsewhere/index.mjs'])).toContain(
      '--allow-addons',
    );
    expect(withAddon).not.toContain('--allow-worker');
  });

  it('keeps the user flags and does not add a second permission model', () => {
    const n = fakeNode('u', '24.3.0');
    expect(wrap(n, { SENTINEL_HARDEN: 'true', NODE_OPTIONS: '--enable-source-maps' })).toBe(
      `--enable-source-maps ${agentOpt()} --permission --allow-fs-read=* --allow-fs-write="/tmp"`,
    );
    expect(wrap(n, { SENTINEL_HARDEN: 'true', NODE_OPTIONS: '--permission --allow-fs-read=/x' })).toBe(
      `--permission --allow-fs-read=/x ${agentOpt()}`,
    );
  });
});

/**
 * layer/sentinel-wrapper (POSIX sh): NODE_OPTIONS gets the agent preload without losing the user's flags (paths
 * with spaces quoted the way Node parses NODE_OPTIONS), _HANDLER moves to SENTINEL_HANDLER and points at the shim,
 * and the original command line runs unchanged.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const WRAPPER = resolve(__dirname, '..', '..', '..', 'layer', 'sentinel-wrapper');

function layerAt(dirName: string, withAgent = true): { dir: string; wrapper: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'sentinel-wrap-'));
  const dir = join(base, dirName);
  mkdirSync(join(dir, 'sentinel'), { recursive: true });
  cpSync(WRAPPER, join(dir, 'sentinel-wrapper'));
  // A stand-in agent that proves it was preloaded.
  if (withAgent) writeFileSync(join(dir, 'sentinel', 'agent.cjs'), "process.env.PRELOADED = 'yes';\n");
  return { dir, wrapper: join(dir, 'sentinel-wrapper'), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

function runWrapped(wrapper: string, env: Record<string, string>): Record<string, string | undefined> {
  const script =
    "console.log(JSON.stringify({NODE_OPTIONS: process.env.NODE_OPTIONS, _HANDLER: process.env._HANDLER, SENTINEL_HANDLER: process.env.SENTINEL_HANDLER, SENTINEL_LAYER_ROOT: process.env.SENTINEL_LAYER_ROOT, PRELOADED: process.env.PRELOADED, argv: process.argv.slice(1).join(' ')}))";
  const out = execFileSync('/bin/sh', [wrapper, process.execPath, '-e', script, 'a b', 'c'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, string | undefined>;
}

describe('sentinel-wrapper', () => {
  it('adds the preload, keeps the user flags, moves the handler and execs the command unchanged', () => {
    const l = layerAt('opt');
    try {
      const r = runWrapped(l.wrapper, {
        _HANDLER: 'src/fns/app.handler',
        NODE_OPTIONS: '--enable-source-maps --max-old-space-size=300',
      });
      expect(r.NODE_OPTIONS).toBe(
        `--enable-source-maps --max-old-space-size=300 --require "${l.dir}/sentinel/agent.cjs"`,
      );
      expect(r.SENTINEL_HANDLER).toBe('src/fns/app.handler');
      expect(r._HANDLER).toBe(`${l.dir}/sentinel/shim.handler`);
      expect(r.SENTINEL_LAYER_ROOT).toBe(l.dir);
      expect(r.PRELOADED).toBe('yes');
      expect(r.argv).toBe('a b c');
    } finally {
      l.cleanup();
    }
  });

  it('quotes a layer path with spaces and quotes so that Node still finds the agent', () => {
    const l = layerAt('my "odd" layer dir');
    try {
      const r = runWrapped(l.wrapper, { _HANDLER: 'index.handler' });
      expect(r.PRELOADED).toBe('yes');
      expect(r.NODE_OPTIONS).toBe(`--require "${l.dir.replace(/"/g, '\\"')}/sentinel/agent.cjs"`);
    } finally {
      l.cleanup();
    }
  });

  it('is idempotent when it runs twice', () => {
    const l = layerAt('opt');
    try {
      const once = runWrapped(l.wrapper, { _HANDLER: 'index.handler' });
      const twice = runWrapped(l.wrapper, {
        _HANDLER: once._HANDLER ?? '',
        SENTINEL_HANDLER: once.SENTINEL_HANDLER ?? '',
        NODE_OPTIONS: once.NODE_OPTIONS ?? '',
      });
      expect(twice.NODE_OPTIONS).toBe(once.NODE_OPTIONS);
      expect(twice.SENTINEL_HANDLER).toBe('index.handler');
    } finally {
      l.cleanup();
    }
  });

  it('leaves everything untouched when the agent is missing (the function still starts)', () => {
    const l = layerAt('opt', false);
    try {
      const r = runWrapped(l.wrapper, { _HANDLER: 'index.handler', NODE_OPTIONS: '--enable-source-maps' });
      expect(r).toMatchObject({ NODE_OPTIONS: '--enable-source-maps', _HANDLER: 'index.handler' });
      expect(r.SENTINEL_HANDLER).toBeUndefined();
    } finally {
      l.cleanup();
    }
  });
});

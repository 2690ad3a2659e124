/**
 * Cold-start cost of the agent's posture part on the runtime's critical path (target: ≤ 2 ms added to init).
 * What posture does synchronously during init is one array push per new module file and per dangerous builtin
 * require (classification waits until init is over) and a hardening check at boot; everything that touches the
 * disk runs after the first invocation has answered. Measured side by side in one run (SENTINEL_POSTURE=false vs
 * true, alternating), medians and ranges:
 * - init of a generated tree of many small packages (the worst case: a function shipped unbundled), CPU time of
 *   the runtime process from start to "handler module loaded", with the agent booted and every hook installed;
 * - the same for AWS SDK v3 clients from the repo (few, large files), CPU and wall time;
 * - the posture work itself, replayed in process for the generated tree's files and builtin requires (boot +
 *   every hook call), against the same loop without posture: the direct figure, free of process-start noise;
 *   once warm (JIT) and once cold (a fresh process per sample, as at a real cold start).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Invocation } from '../../../in-process-agent/src/context/invocation';
import { Agent } from '../../../in-process-agent/src/core/agent';
import { AgentPosture } from '../../../in-process-agent/src/posture';
import { parseConfig } from '../../../protocol/config';
import { type BenchResult, sideBySide, stats } from '../lib';

const exec = promisify(execFile);

interface Ctx {
  root: string;
}

const PACKAGES = 200;
const FILES_PER_PACKAGE = 5;
const TARGET_MS = 2;

/** A function-like tree: `index.js` requires PACKAGES packages of FILES_PER_PACKAGE files, each using builtins. */
function generateTree(dir: string): { entry: string; files: Load[] } {
  const files: Load[] = [];
  const nm = join(dir, 'node_modules');
  const lines: string[] = [];
  for (let p = 0; p < PACKAGES; p++) {
    const name = p % 10 === 0 ? `@scope${p}/pkg${p}` : `pkg${p}`;
    const pdir = join(nm, name);
    mkdirSync(join(pdir, 'lib'), { recursive: true });
    writeFileSync(join(pdir, 'package.json'), JSON.stringify({ name, version: `1.${p}.0`, main: 'index.js' }));
    const parts: string[] = [];
    for (let f = 1; f < FILES_PER_PACKAGE; f++) {
      const file = join(pdir, 'lib', `part${f}.js`);
      writeFileSync(file, `const path = require('path');\nmodule.exports = (x) => path.join('a', String(x + ${f}));\n`);
      files.push([file, ['path']]);
      parts.push(`require('./lib/part${f}.js')`);
    }
    const builtin = p % 4 === 0 ? "require('net');" : p % 7 === 0 ? "require('child_process');" : '';
    writeFileSync(
      join(pdir, 'index.js'),
      `${builtin}\nconst util = require('util');\nmodule.exports = [${parts.join(', ')}].map((f) => util.format(f(1)));\n`,
    );
    files.push([join(pdir, 'index.js'), ['util', ...(p % 4 === 0 ? ['net'] : p % 7 === 0 ? ['child_process'] : [])]]);
    lines.push(`require(${JSON.stringify(name)});`);
  }
  const entry = join(dir, 'index.js');
  writeFileSync(entry, `${lines.join('\n')}\nexports.handler = async () => 'ok';\n`);
  files.push([entry, []]);
  return { entry, files };
}

interface Probe {
  requireMs: number;
  readyMs: number;
  cpuMs: number;
  files: number;
  packages: number;
}

/** Turns a side-by-side result into "ms added" (difference of medians) against the absolute target. */
function added(r: BenchResult, target: number | undefined, notes: string): BenchResult {
  const delta = r.subject.median - (r.baseline?.median ?? 0);
  return {
    ...r,
    ratio: undefined,
    value: delta,
    target: target === undefined ? undefined : `≤ ${target} ms added`,
    pass: target === undefined ? undefined : delta <= target,
    notes,
  };
}

export async function run(ctx: Ctx): Promise<BenchResult[]> {
  const agent = join(ctx.root, 'build', 'layer', 'sentinel', 'agent.cjs');
  const probe = join(ctx.root, 'test', 'fixtures', 'agent', 'bench', 'posture-init.cjs');
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-bench-posture-'));
  const results: BenchResult[] = [];
  try {
    const tree = generateTree(dir);
    const env = (posture: boolean, taskRoot: string) => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // Preload-only attach: the agent boots and installs every hook before the function's code, as the shim does.
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
      SENTINEL_CHANNEL_DIR: join(tmpdir(), 'sentinel-bench-no-channel'),
      SENTINEL_POSTURE: String(posture),
    });
    const start = async (posture: boolean, args: string[], taskRoot: string): Promise<Probe> => {
      const { stdout } = await exec(process.execPath, ['-r', agent, probe, ...args], { env: env(posture, taskRoot) });
      return JSON.parse(stdout) as Probe;
    };
    let shape = '';
    const cpu = await sideBySide(
      `init CPU, generated tree (${PACKAGES} packages × ${FILES_PER_PACKAGE} files), posture off vs on`,
      'ms',
      25,
      async () => (await start(false, [tree.entry], dir)).cpuMs,
      async () => {
        const p = await start(true, [tree.entry], dir);
        shape = `${p.files} files, ${p.packages} packages`;
        return p.cpuMs;
      },
    );
    results.push(
      added(
        cpu,
        undefined,
        `context: CPU of the runtime process from start to handler loaded (${shape}); process-to-process spread on a shared machine is far larger than the effect, the replay rows below are the measure`,
      ),
    );

    let sdkShape = '';
    const sdkWall: number[][] = [[], []];
    const sdk = await sideBySide(
      'init CPU, AWS SDK v3 clients, posture off vs on',
      'ms',
      15,
      async () => {
        const p = await start(false, [], ctx.root);
        sdkWall[0]?.push(p.readyMs);
        return p.cpuMs;
      },
      async () => {
        const p = await start(true, [], ctx.root);
        sdkWall[1]?.push(p.readyMs);
        sdkShape = `${p.files} files, ${p.packages} packages`;
        return p.cpuMs;
      },
    );
    results.push(added(sdk, undefined, `context: CPU from start to clients loaded (${sdkShape})`));
    const wall: BenchResult = {
      name: 'init wall time, AWS SDK v3 clients, posture off vs on',
      unit: 'ms',
      baseline: stats(sdkWall[0] ?? []),
      subject: stats(sdkWall[1] ?? []),
    };
    results.push(added(wall, undefined, 'informational: wall time on a shared 2-core machine is noisy'));

    results.push(replay(tree.files, dir));
    results.push(await coldReplay(tree.files, dir));
    results.push(await firstPass(tree.files, dir));
    results.push(ledgerWrites());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** A module file as the hook sees it, with the builtins its code requires. */
type Load = [file: string, builtins: string[]];

/** CPU time of this process in ms (the machine is shared: wall time would include other processes' turns). */
function cpuMs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

/** One replay of an init's posture work (or the same loop without posture); CPU ms. */
function replayOnce(files: Load[], taskRoot: string, withPosture: boolean): number {
  const roots = { taskRoot, runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
  const env = { SENTINEL_POSTURE: String(withPosture) };
  const t0 = cpuMs();
  const a = new Agent(parseConfig(env).config, roots, env);
  if (withPosture) {
    a.posture = new AgentPosture(a, { attach: 'wrapper', tmpDir: '/tmp', channelDir: '/tmp/.sentinel' });
    a.posture.start();
  }
  for (const [f, builtins] of files) {
    a.posture?.onModuleFile(f);
    for (const b of builtins) a.posture?.onBuiltin(b, f);
  }
  return cpuMs() - t0;
}

/** Cold: each sample is the first replay in a fresh process (this bundle, re-run with BENCH_POSTURE_REPLAY). */
async function coldReplay(files: Load[], taskRoot: string): Promise<BenchResult> {
  const list = join(taskRoot, 'files.json');
  writeFileSync(list, JSON.stringify(files));
  const sample = async (mode: 'on' | 'off') => {
    const { stdout } = await exec(process.execPath, [__filename], {
      env: {
        PATH: process.env.PATH ?? '',
        BENCH_POSTURE_REPLAY: mode,
        BENCH_POSTURE_FILES: list,
        BENCH_POSTURE_ROOT: taskRoot,
      },
    });
    return Number(stdout.trim());
  };
  const r = await sideBySide(
    `posture work of one init, replayed cold, CPU (fresh process per sample, ${files.length} files)`,
    'ms',
    20,
    () => sample('off'),
    () => sample('on'),
  );
  return added(r, TARGET_MS, 'first call in a fresh process: interpreter, no JIT, as at a real cold start');
}

if (process.env.BENCH_POSTURE_REPLAY) {
  const files = JSON.parse(require('node:fs').readFileSync(process.env.BENCH_POSTURE_FILES ?? '', 'utf8')) as Load[];
  process.stdout.write(
    String(replayOnce(files, process.env.BENCH_POSTURE_ROOT ?? '/var/task', process.env.BENCH_POSTURE_REPLAY === 'on')),
  );
}

/**
 * The posture work of one init, in process: boot (constructor + hardening check) and one hook call per module
 * file and per builtin require of the generated tree, against the same loop with posture off.
 */
function replay(files: Load[], taskRoot: string): BenchResult {
  const once = (withPosture: boolean) => replayOnce(files, taskRoot, withPosture);
  for (let i = 0; i < 20; i++) {
    once(false);
    once(true);
  }
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < 60; i++) {
    b.push(once(false));
    s.push(once(true));
  }
  return added(
    {
      name: `posture work of one init, replayed warm, CPU (${files.length} files, ${files.reduce((n, [, b]) => n + b.length, 0)} builtin requires)`,
      unit: 'ms',
      baseline: stats(b),
      subject: stats(s),
    },
    TARGET_MS,
    'warm (JIT): in process, the same calls the module-load hook makes',
  );
}

/**
 * The first posture pass, which runs after the first invocation has answered (off the invoke path): package.json
 * versions of the generated tree, the tmp walk, the record. Wall time until the record is handed to the channel,
 * and the CPU the process spent meanwhile.
 */
async function firstPass(files: Load[], taskRoot: string): Promise<BenchResult> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'sentinel-bench-posture-tmp-'));
  try {
    for (let i = 0; i < 15; i++) {
      const env = {};
      const roots = { taskRoot, runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: [tmp] };
      const a = new Agent(parseConfig(env).config, roots, env);
      const posture = new AgentPosture(a, { attach: 'wrapper', tmpDir: tmp, channelDir: join(tmp, '.sentinel') });
      a.posture = posture;
      for (const [f, builtins] of files) {
        posture.onModuleFile(f);
        for (const b of builtins) posture.onBuiltin(b, f);
      }
      const sent = new Promise<void>((resolve) => a.setSender((m) => m.t === 'record' && resolve()));
      const w0 = Number(process.hrtime.bigint()) / 1e6;
      const c0 = cpuMs();
      a.context.run(new Invocation(`r${i}`, {}), () => undefined);
      posture.afterInvocation(`r${i}`);
      await sent;
      wall.push(Number(process.hrtime.bigint()) / 1e6 - w0);
      cpu.push(cpuMs() - c0);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const c = stats(cpu);
  return {
    name: `first posture pass after the first invocation (${PACKAGES} package.json reads, tmp walk, record)`,
    unit: 'ms',
    subject: stats(wall),
    value: stats(wall).median,
    notes: `off the invoke path; wall until the record is queued; process CPU (thread pool included) ${c.median.toFixed(2)} ms (${c.min.toFixed(2)}–${c.max.toFixed(2)})`,
  };
}

/** Bookkeeping per write into the tmp dir during an invocation: the ledger's `add` against a plain Set's. */
function ledgerWrites(): BenchResult {
  const env = {};
  const roots = { taskRoot: '/var/task', runtimeDir: '/var/runtime', layerRoot: '/opt', tmpDirs: ['/tmp'] };
  const paths = Array.from({ length: 100 }, (_, i) => `/tmp/file-${i}.json`);
  const N = 20_000;
  const once = (withPosture: boolean): number => {
    const a = new Agent(parseConfig(env).config, roots, env);
    if (withPosture) a.posture = new AgentPosture(a, { attach: 'wrapper', tmpDir: '/tmp', channelDir: '/tmp/.s' });
    const set = a.droppedFiles;
    return a.context.run(new Invocation('r', {}), () => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) set.add(paths[i % paths.length] as string);
      return Number(process.hrtime.bigint() - t0) / N / 1000; // µs per write
    });
  };
  for (let i = 0; i < 5; i++) {
    once(false);
    once(true);
  }
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < 30; i++) {
    b.push(once(false));
    s.push(once(true));
  }
  return added(
    {
      name: 'tmp write bookkeeping per write, in an invocation (ledger vs plain set)',
      unit: 'µs',
      baseline: stats(b),
      subject: stats(s),
    },
    undefined,
    'added to every fs write into the tmp dir (the fs hook itself costs more)',
  );
}

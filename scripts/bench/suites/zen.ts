/**
 * Aikido Zen (@aikidosec/firewall, devDependency; run, never copied) next to Sentinel and bare node, in one run:
 * the three subjects alternate in every round so drift hits them equally. Same operations as the agent suite:
 * - process start: `node -e 0` bare, with Zen's Lambda entry preloaded (`-r @aikidosec/firewall/lambda`,
 *   AIKIDO_BLOCK=true: what loading it costs the init phase), and with Sentinel's agent preloaded in preload-only
 *   attach (every hook installed at start, the comparable full boot);
 * - hook overhead inside an invocation (each guard's own handler wrapper, an API Gateway event so both have request
 *   context): fs.readFileSync of a small file, spawnSync('true'), loopback http.get (keep-alive);
 * - a warm handler in the sandbox: plain, wrapped with Zen's Lambda wrapper, and with Sentinel's layer.
 * Ratios are reported vs bare node and Zen vs Sentinel; informational (no targets). If Zen fails to load, the row
 * says so instead of a number.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createFunctionEnvironment, type FunctionEnvironment } from '../../sandbox/emulator';
import { type BenchResult, nowMs, type Stats, stats } from '../lib';

const exec = promisify(execFile);

interface Ctx {
  root: string;
  outDir: string;
}

type Subject = 'bare' | 'zen' | 'sentinel';
const SUBJECTS: Subject[] = ['bare', 'zen', 'sentinel'];

/** Alternates the three subjects `rounds` times; a subject that throws is recorded as failed (once). */
async function threeWay(
  rounds: number,
  measure: (s: Subject) => Promise<number>,
): Promise<{ stats: Partial<Record<Subject, Stats>>; errors: Partial<Record<Subject, string>> }> {
  const samples: Record<Subject, number[]> = { bare: [], zen: [], sentinel: [] };
  const errors: Partial<Record<Subject, string>> = {};
  for (let i = 0; i < rounds; i++) {
    for (const s of SUBJECTS) {
      if (errors[s]) continue;
      try {
        samples[s].push(await measure(s));
      } catch (e) {
        errors[s] = (e as Error).message.split('\n')[0].slice(0, 200);
      }
    }
  }
  const out: Partial<Record<Subject, Stats>> = {};
  for (const s of SUBJECTS) if (samples[s].length) out[s] = stats(samples[s]);
  return { stats: out, errors };
}

const FAILED: Stats = { median: Number.NaN, min: Number.NaN, max: Number.NaN, p99: Number.NaN, samples: 0 };

function rows(name: string, unit: string, r: Awaited<ReturnType<typeof threeWay>>, note?: string): BenchResult[] {
  const { bare, zen, sentinel } = r.stats;
  const err = (s: Subject) => (r.errors[s] ? `${s} failed: ${r.errors[s]}` : undefined);
  const notes = (...extra: (string | undefined)[]) => [note, ...extra].filter(Boolean).join('; ') || undefined;
  const pair = (label: string, base: Stats | undefined, subj: Stats | undefined, failed?: string): BenchResult => ({
    name: `${name}: ${label}`,
    unit,
    baseline: base ?? FAILED,
    subject: subj ?? FAILED,
    ratio: base && subj ? subj.median / base.median : undefined,
    value: base && subj ? undefined : Number.NaN,
    notes: notes(failed),
  });
  return [
    pair('Zen vs bare node', bare, zen, err('zen') ?? err('bare')),
    pair('Sentinel vs bare node', bare, sentinel, err('sentinel') ?? err('bare')),
    pair('Zen vs Sentinel', sentinel, zen, err('zen') ?? err('sentinel')),
  ];
}

/** The loop body for all three subjects (same operations as test/fixtures/agent/bench/loop.cjs). */
const LOOP = `'use strict';
const subject = process.argv[2];
const protect = subject === 'zen' ? require('@aikidosec/firewall/lambda') : undefined;
const fs = require('node:fs');
const http = require('node:http');
const { spawnSync } = require('node:child_process');
const [kind, itersArg] = process.argv.slice(3);
const iterations = Number(itersArg) || 1000;
const file = __filename;
const agentHttp = new http.Agent({ keepAlive: true });
// The loopback server runs in its own process: a server in the guarded process would be a guarded request
// context of its own (Zen then sees its own client's Host header as user input).
const SERVER = "const s=require('http').createServer((q,r)=>r.end('ok'));s.listen(0,'127.0.0.1',()=>console.log(s.address().port))";
async function withServer(fn) {
  const child = require('node:child_process').spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH } });
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
  try { return await fn(port); } finally { child.kill(); }
}
const get = (port) => new Promise((resolve, reject) => {
  http.get({ host: '127.0.0.1', port, path: '/x', agent: agentHttp }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
});
const ops = {
  readFileSync: async (n) => { for (let i = 0; i < n; i++) fs.readFileSync(file); },
  spawnSync: async (n) => { for (let i = 0; i < n; i++) spawnSync('true'); },
  httpGet: (n) => withServer(async (port) => { for (let i = 0; i < n; i++) await get(port); }),
};
async function measure() {
  const op = ops[kind];
  await op(Math.max(10, iterations / 10));
  const t0 = process.hrtime.bigint();
  await op(iterations);
  return Number(process.hrtime.bigint() - t0) / iterations;
}
const event = {
  httpMethod: 'POST', path: '/bench', resource: '/bench', headers: { 'content-type': 'application/json', host: 'api.example.com' },
  queryStringParameters: null, body: '{"q":"benchmark"}', isBase64Encoded: false,
  requestContext: { httpMethod: 'POST', path: '/prod/bench', stage: 'prod', identity: { sourceIp: '203.0.113.7' } },
};
async function main() {
  const api = globalThis[Symbol.for('sentinel.agent')];
  const handler = async () => measure();
  const run = subject === 'zen' ? protect(handler) : subject === 'sentinel' ? api.wrapHandler(handler) : handler;
  const ns = await run(event, { awsRequestId: 'bench-1', getRemainingTimeInMillis: () => 60000 });
  process.stdout.write(String(ns) + '\\n');
  agentHttp.destroy();
  process.exit(0);
}
main();
`;

export async function run(ctx: Ctx): Promise<BenchResult[]> {
  const zenPkg = join(ctx.root, 'node_modules', '@aikidosec', 'firewall');
  let zenVersion = 'not installed';
  try {
    zenVersion = (JSON.parse(readFileSync(join(zenPkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // reported in the rows' notes
  }
  const agent = join(ctx.root, 'build', 'layer', 'sentinel', 'agent.cjs');
  // Under the repo (not /tmp), so `require('@aikidosec/firewall/…')` resolves to the repo's node_modules.
  const dir = join(ctx.outDir, 'zen');
  mkdirSync(dir, { recursive: true });
  const loop = join(dir, 'loop.cjs');
  writeFileSync(loop, LOOP);
  const base = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Sentinel in preload-only attach: the agent boots and hooks everything at preload.
    _HANDLER: 'index.handler',
    SENTINEL_CHANNEL_DIR: join(tmpdir(), 'sentinel-bench-no-channel'),
    SENTINEL_EXEC_ALLOW: 'true',
    SENTINEL_EGRESS_ALLOW: '127.0.0.1',
    // Zen blocking, no token: nothing is sent anywhere.
    AIKIDO_BLOCK: 'true',
    AIKIDO_LAMBDA_IGNORE_UNSUPPORTED_TRIGGER_WARNING: 'true',
  };
  const preloadOf: Record<Subject, string[]> = {
    bare: [],
    zen: ['-r', join(zenPkg, 'lambda', 'index.js')],
    sentinel: ['-r', agent],
  };
  const note = `@aikidosec/firewall ${zenVersion}, Node ${process.version}`;
  const results: BenchResult[] = [];

  const start = async (s: Subject) => {
    const t0 = nowMs();
    await exec(process.execPath, [...preloadOf[s], '-e', '0'], { env: base });
    return nowMs() - t0;
  };
  results.push(
    ...rows(
      'process start (node -e 0), guard preloaded',
      'ms',
      await threeWay(20, start),
      `${note}; Sentinel in preload-only attach`,
    ),
  );

  const loops: Array<[string, string, number]> = [
    ['fs.readFileSync (small file)', 'readFileSync', 20000],
    ["spawnSync('true')", 'spawnSync', 300],
    ['loopback http.get (keep-alive)', 'httpGet', 2000],
  ];
  for (const [name, kind, n] of loops) {
    const once = async (s: Subject) => {
      const { stdout } = await exec(
        process.execPath,
        [...(s === 'sentinel' ? preloadOf.sentinel : []), loop, s, kind, String(n)],
        {
          env: base,
        },
      );
      const v = Number(stdout.trim()) / 1000;
      if (!Number.isFinite(v)) throw new Error(`no measurement (${stdout.slice(0, 80)})`);
      return v;
    };
    results.push(...rows(name, 'µs/op', await threeWay(7, once), `${note}; inside each guard's handler wrapper`));
  }

  results.push(...(await warmHandler(ctx, note)));
  return results;
}

/** Median warm invoke latency: plain function, Zen-wrapped (no layer), Sentinel layer (exec wrapper + extension). */
async function warmHandler(ctx: Ctx, note: string): Promise<BenchResult[]> {
  const fnDir = join(ctx.root, 'test', 'fixtures', 'agent', 'bench', 'bench-fn');
  const zenDir = join(ctx.outDir, 'zen', 'bench-fn');
  rmSync(zenDir, { recursive: true, force: true });
  cpSync(fnDir, zenDir, { recursive: true });
  writeFileSync(
    join(zenDir, 'zen-entry.js'),
    "const protect = require('@aikidosec/firewall/lambda');\nexports.handler = protect(require('./index.js').handler);\n",
  );
  const layer = mkdtempSync(join(tmpdir(), 'sentinel-bench-zen-layer-'));
  cpSync(join(ctx.root, 'build', 'layer'), layer, { recursive: true });
  const common = { handler: 'index.handler', timeoutMs: 10_000, initTimeoutMs: 10_000 };
  const envs: Partial<Record<Subject, FunctionEnvironment>> = {};
  try {
    envs.bare = await createFunctionEnvironment({ ...common, codeDir: fnDir, functionName: 'bench-zen-plain' });
    envs.zen = await createFunctionEnvironment({
      ...common,
      codeDir: zenDir,
      handler: 'zen-entry.handler',
      functionName: 'bench-zen-zen',
      env: { AIKIDO_BLOCK: 'true', AIKIDO_LAMBDA_IGNORE_UNSUPPORTED_TRIGGER_WARNING: 'true' },
    });
    envs.sentinel = await createFunctionEnvironment({
      ...common,
      codeDir: fnDir,
      functionName: 'bench-zen-sentinel',
      layerDir: layer,
      env: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper', SENTINEL_RESPONSE: 'off', SENTINEL_LOG_LEVEL: 'warn' },
    });
    // API Gateway v2 shape (requestContext + headers), so Zen's wrapper builds a request context too.
    const event = {
      version: '2.0',
      rawPath: '/hello',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'world' }),
      requestContext: { http: { method: 'POST', path: '/hello', sourceIp: '203.0.113.7' } },
    };
    const invoke = async (s: Subject) => {
      const env = envs[s] as FunctionEnvironment;
      const r = await env.invoke(event);
      await env.settled();
      if (r.error) throw new Error(`${r.error.errorType}: ${r.error.errorMessage}`);
      return r.durationMs;
    };
    for (let i = 0; i < 10; i++) for (const s of SUBJECTS) await invoke(s).catch(() => undefined);
    return rows('warm handler in the sandbox', 'ms', await threeWay(60, invoke), `${note}; median invoke → response`);
  } finally {
    for (const e of Object.values(envs)) await e?.dispose().catch(() => {});
    rmSync(layer, { recursive: true, force: true });
  }
}

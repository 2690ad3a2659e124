/**
 * The shim loads handlers exactly as the runtime does: for each module layout (CJS, type:module, .mjs, .cjs,
 * nested root and export path, callback style, sync throw, syntax error, missing module, non-function export) the
 * sandbox's runtime answers the same with the exec wrapper as without it, on Node 20, 22 and 24 (RIC 3.x and 4.x
 * rules, including Node 24's rejection of callback handlers).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableRuntimes } from '../../scripts/lib/runtimes';
import type { FunctionEnvironment } from '../../scripts/sandbox/emulator';
import { agentLayer } from './helpers/agent-sandbox';
import { FIXTURES, REPO, testEnvironment } from './helpers/sandbox';

const RIC = join(REPO, 'test', 'ric', 'node_modules', 'aws-lambda-ric');

jest.setTimeout(60_000);

const HANDLERS = [
  'index.handler',
  'esm-pkg/app.handler',
  'mod.handler',
  'legacy.handler',
  'src/fns/nested.a.b.c',
  'callback.handler',
  'sync.handler',
  'broken/syntax.handler',
  'missing.handler',
  'notfn.handler',
];

interface Outcome {
  init?: string;
  response?: unknown;
  errorType?: string;
}

const agentLogs = new Map<string, string[]>();

async function outcome(node: string, handler: string, layerDir?: string, runtime?: 'ric'): Promise<Outcome> {
  let env: FunctionEnvironment | undefined;
  try {
    env = await testEnvironment({
      codeDir,
      handler,
      node,
      layerDir,
      runtime,
      env: layerDir ? { AWS_LAMBDA_EXEC_WRAPPER: '/opt/sentinel-wrapper' } : {},
    });
    const r = await env.invoke({ v: 7 });
    // The handler's log line travels through the runtime's stdout pipe and may trail its response under load.
    const agentLines = () =>
      env
        ?.report()
        .functionLogs.map((l) => l.line)
        .filter((l) => l.includes('sentinel-agent=')) ?? [];
    for (let waited = 0; handler === 'index.handler' && agentLines().length === 0 && waited < 3000; waited += 20)
      await new Promise((done) => setTimeout(done, 20));
    const report = env.report();
    const init = report.inits[0];
    agentLogs.set(`${node}|${handler}|${layerDir ? 'wrapped' : 'plain'}${runtime ? `|${runtime}` : ''}`, agentLines());
    return { init: init?.errorType, response: r.response, errorType: r.error?.errorType };
  } finally {
    await env?.dispose().catch(() => {});
  }
}

// The fixtures plus a module with a syntax error (written here: a broken file in the repo would break linting).
let codeDir: string;
beforeAll(() => {
  codeDir = mkdtempSync(join(tmpdir(), 'sentinel-handlers-'));
  cpSync(join(FIXTURES, 'agent', 'handlers'), codeDir, { recursive: true });
  mkdirSync(join(codeDir, 'broken'));
  writeFileSync(join(codeDir, 'broken', 'syntax.js'), 'exports.handler = async (event) => {\n');
});
afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

describe.each(availableRuntimes())('shim handler loading on Node $major', ({ major, node }) => {
  let layer: { dir: string; cleanup: () => void };
  beforeAll(() => {
    layer = agentLayer();
    // The extension is not under test here: only the wrapper, agent and shim.
    rmSync(join(layer.dir, 'extensions'), { recursive: true, force: true });
  });
  afterAll(() => layer.cleanup());

  it.each(HANDLERS)('%s behaves as without the agent', async (handler) => {
    const [plain, wrapped] = await Promise.all([outcome(node, handler), outcome(node, handler, layer.dir)]);
    expect(wrapped).toEqual(plain);
  });

  // AWS's own runtime interface client (RIC 4.x, Node >= 22; built by `make ric`) loading the shim.
  const withRic = major >= 22 && existsSync(RIC) ? it.each : it.skip.each;
  withRic(['index.handler', 'mod.handler', 'callback.handler'])(
    '%s under aws-lambda-ric behaves as without the agent',
    async (handler) => {
      const [plain, wrapped] = await Promise.all([
        outcome(node, handler, undefined, 'ric'),
        outcome(node, handler, layer.dir, 'ric'),
      ]);
      expect(wrapped).toEqual(plain);
      if (handler === 'index.handler')
        expect(agentLogs.get(`${node}|${handler}|wrapped|ric`)?.join()).toContain('sentinel-agent=true');
    },
  );

  it('the comparison is meaningful: handlers ran, the agent was on only when wrapped', () => {
    expect(agentLogs.get(`${node}|index.handler|wrapped`)?.join()).toContain('sentinel-agent=true');
    expect(agentLogs.get(`${node}|index.handler|plain`)?.join()).toContain('sentinel-agent=false');
  });
});

/**
 * AWS's own runtime interface client (aws-lambda-ric 4.x, test/ric) started through the built bootstrap with
 * SANDBOX_RUNTIME=ric, against the fake Runtime API — and the same scenarios through our emulated runtime, which
 * must behave the same on the same Node version.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeBinary, type RuntimeMajor } from '../../scripts/lib/runtimes';
import { FakeRuntimeApi } from '../../scripts/sandbox/runtime/testing/fake-runtime-api';
import { initOutcome, type Started } from '../../scripts/sandbox/runtime/testing/harness';
import {
  bundleRuntime,
  HANDLER_FIXTURES as FIX,
  REPO_ROOT,
  removeDir,
  startRuntime,
} from '../../scripts/sandbox/runtime/testing/runtime-process';

const RIC_INDEX = join(REPO_ROOT, 'test', 'ric', 'node_modules', 'aws-lambda-ric', 'index.mjs');
const RUNTIME_DIR = join(REPO_ROOT, 'build', 'sandbox', 'runtime');
const ricInstalled = existsSync(RIC_INDEX);
if (!ricInstalled && process.env.CI) throw new Error(`aws-lambda-ric missing (${RIC_INDEX}): run \`make ric\``);
if (!ricInstalled) console.warn(`skipping aws-lambda-ric tests: ${RIC_INDEX} not installed (run \`make ric\`)`);

// aws-lambda-ric 4.x needs Node >= 22.
const majors = ([22, 24] as RuntimeMajor[]).filter((m) => nodeBinary(m) !== undefined);
const describeRic = ricInstalled && majors.length > 0 ? describe.each(majors) : describe.skip.each([0]);

type Flavour = 'ric' | 'ours';
const live: Started[] = [];

async function start(
  flavour: Flavour,
  major: RuntimeMajor,
  root: string,
  handler: string,
  extraEnv: Record<string, string> = {},
): Promise<Started> {
  const api = new FakeRuntimeApi();
  const runtimeApi = await api.start();
  const run = startRuntime({
    runtimeDir: RUNTIME_DIR,
    node: nodeBinary(major)!,
    runtimeApi,
    taskRoot: join(FIX, root),
    handler,
    env: flavour === 'ric' ? { SANDBOX_RUNTIME: 'ric', ...extraEnv } : extraEnv,
  });
  const s = { api, run };
  live.push(s);
  return s;
}

afterEach(async () => {
  for (const s of live.splice(0)) {
    s.run.kill();
    await s.run.exited;
    await s.api.close();
  }
});

/** What an emulator observes: init outcome, then for one invocation what was posted and whether the process died. */
async function observe(s: Started) {
  const init = await initOutcome(s);
  if (init !== 'ready') {
    const { code } = await s.run.exited;
    const initError = s.api.posts.find((p) => p.kind === 'init-error');
    return { init, code, initErrorType: initError ? JSON.parse(initError.body).errorType : undefined };
  }
  const posted = await Promise.race([s.api.invoke({ event: { n: 1 } }), s.run.exited.then(() => undefined)]);
  const exited = s.run.child.exitCode !== null ? (await s.run.exited).code : undefined;
  return {
    init,
    kind: posted?.kind,
    errorType: posted?.kind === 'error' ? JSON.parse(posted.body).errorType : undefined,
    code: exited,
  };
}

describeRic('aws-lambda-ric through bootstrap (SANDBOX_RUNTIME=ric) on Node %s', (major) => {
  jest.setTimeout(60_000);
  const m = major as RuntimeMajor;

  test('serves an invocation with the full context', async () => {
    const s = await start('ric', m, 'cjs', 'index.handler');
    expect(await initOutcome(s)).toBe('ready');
    const posted = await s.api.invoke({ event: { hello: 'ric' }, requestId: 'ric-req-1' });
    expect(posted.kind).toBe('response');
    const r = JSON.parse(posted.body);
    expect(r.event).toEqual({ hello: 'ric' });
    expect(r.context).toMatchObject({ awsRequestId: 'ric-req-1', functionName: 'fixture', memoryLimitInMB: '128' });
    expect(r.env.executionEnv).toBe(`AWS_Lambda_nodejs${m}.x`);
  });

  test('SANDBOX_RIC_DIR locates the package; the exec wrapper still applies', async () => {
    const runtimeDir = await bundleRuntime(); // a bootstrap outside the repo: the default RIC path cannot work
    try {
      const api = new FakeRuntimeApi();
      const run = startRuntime({
        runtimeDir,
        node: nodeBinary(m)!,
        runtimeApi: await api.start(),
        taskRoot: join(FIX, 'cjs'),
        handler: 'index.handler',
        env: {
          SANDBOX_RUNTIME: 'ric',
          SANDBOX_RIC_DIR: dirname(RIC_INDEX),
          AWS_LAMBDA_EXEC_WRAPPER: join(FIX, 'wrappers', 'add-require'),
        },
      });
      live.push({ api, run });
      const r = JSON.parse((await api.invoke({ event: {} })).body);
      expect(r.preloaded).toBe(true);
      expect(r.execArgv).toContain('--expose-gc');
    } finally {
      removeDir(runtimeDir);
    }
  });
});

// Our runtime follows RIC 4.x on Node 24 only (on 22 it follows RIC 3.x, like nodejs22.x), so compare there.
const describeCompare = ricInstalled && nodeBinary(24) ? describe : describe.skip;

describeCompare('our nodejs24.x runtime matches aws-lambda-ric on Node 24', () => {
  jest.setTimeout(60_000);

  test.each([
    ['handler result', 'cjs', 'index.handler'],
    ['thrown error', 'cjs', 'index.throws'],
    ['missing module', 'cjs', 'missing.handler'],
    ['missing export', 'cjs', 'index.nope'],
    ['ESM syntax in .js (module detection)', 'esm-in-js', 'index.handler'],
    ['default-export lookup', 'esm-mjs', 'index.onlyDefault'],
    ['callback handler', 'callback', 'index.handler'],
    ['uncaught exception during invoke', 'cjs', 'index.uncaught'],
    ['unhandled rejection at init', 'init-rejects', 'index.handler'],
  ])('%s', async (_name, root, handler) => {
    const ric = await observe(await start('ric', 24, root, handler));
    const ours = await observe(await start('ours', 24, root, handler));
    expect(ours).toEqual(ric);
  });

  test.each([
    ['streamed response', 'index.handler'],
    ['streamed response that fails midway', 'index.fails'],
  ])('%s: same headers, body and error trailers', async (_name, handler) => {
    const seen: unknown[] = [];
    for (const flavour of ['ric', 'ours'] as const) {
      const s = await start(flavour, 24, 'streaming', handler);
      expect(await initOutcome(s)).toBe('ready');
      const posted = await s.api.invoke({ event: {} });
      const errorBody = posted.trailers['lambda-runtime-function-error-body'];
      const decoded = errorBody ? JSON.parse(Buffer.from(errorBody, 'base64').toString()) : undefined;
      seen.push({
        kind: posted.kind,
        mode: posted.headers['lambda-runtime-function-response-mode'],
        contentType: posted.headers['content-type'],
        body: posted.body,
        errorType: posted.trailers['lambda-runtime-function-error-type'],
        error: decoded && { errorType: decoded.errorType, errorMessage: decoded.errorMessage },
      });
    }
    expect(seen[1]).toEqual(seen[0]);
  });

  // Timestamps differ; error stacks differ below the first frame (runtime internals).
  // The runtime's own module (aws-lambda-ric's index.mjs, our bootstrap.mjs) appears in require stacks and frames.
  const normaliseText = (l: string) =>
    l
      .replace(/^\S+\t/, 'TIME\t')
      .replace(/\r {4}at [\s\S]*$/, '\r    at ...')
      .replace(/- \/[^"\\]*\/(?:index|bootstrap)\.mjs/g, '- RUNTIME')
      .replace(/," {4}at [^"]*"/g, '');
  const normaliseJson = (l: string) => {
    const r = JSON.parse(l);
    r.timestamp = 'TIME';
    for (const holder of [r, r.message]) {
      if (holder && Array.isArray(holder.stackTrace)) holder.stackTrace = holder.stackTrace.slice(0, 1);
    }
    if (typeof r.message === 'string') r.message = normaliseText(`T\t${r.message}`);
    return JSON.stringify(r);
  };

  test.each([
    ['text', 'cjs', 'index.logs', {}],
    ['JSON', 'cjs', 'index.logs', { AWS_LAMBDA_LOG_FORMAT: 'JSON' }],
    ['JSON, level WARN', 'cjs', 'index.logs', { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' }],
    ['text, init error', 'cjs', 'missing.handler', {}],
  ])('console records have the same shape: %s', async (_name, root, handler, env: Record<string, string>) => {
    const records: string[][] = [];
    for (const flavour of ['ric', 'ours'] as const) {
      const s = await start(flavour, 24, root, handler, env);
      if ((await initOutcome(s)) === 'ready') {
        await s.api.invoke({ event: {}, requestId: 'same-id' });
        // Until the process is gone its stdout pipe may still hold lines logged before the post.
        s.run.kill();
      }
      await s.run.exited;
      const normalise = env.AWS_LAMBDA_LOG_FORMAT === 'JSON' ? normaliseJson : normaliseText;
      records.push(s.run.lines().map(normalise));
    }
    expect(records[1]).toEqual(records[0]);
    expect(records[0]!.length).toBeGreaterThan(0);
  });
});

/**
 * `_HANDLER` resolution on every available Node (20, 22, 24), each with its rule set: RIC 3.x on 20/22,
 * RIC 4.x on 24. Real runtime child processes against a fake Runtime API.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableRuntimes } from '../../lib/runtimes';
import { initOutcome, useRuntimeHarness } from './testing/harness';
import { HANDLER_FIXTURES as FIX } from './testing/runtime-process';

jest.setTimeout(30_000);

type Expectation = { result: unknown } | { errorType: string; message?: RegExp };

interface Case {
  name: string;
  root: string;
  handler: string;
  env?: Record<string, string>;
  ric3: Expectation;
  ric4: Expectation;
}

const both = (e: Expectation) => ({ ric3: e, ric4: e });
const nested = { result: { kind: 'nested', dir: 'src/fns' } };

const CASES: Case[] = [
  {
    name: 'CommonJS .js',
    root: 'cjs',
    handler: 'index.handler',
    ...both({ result: expect.objectContaining({ event: { n: 1 } }) }),
  },
  {
    name: 'ESM .mjs',
    root: 'esm-mjs',
    handler: 'index.handler',
    ...both({ result: { kind: 'esm-mjs', event: { n: 1 } } }),
  },
  {
    name: '.js under "type":"module"',
    root: 'esm-type-module',
    handler: 'index.handler',
    ...both({ result: { kind: 'esm-type-module', awslambda: 'object' } }),
  },
  { name: '.cjs', root: 'cjs-ext', handler: 'index.handler', ...both({ result: { kind: 'cjs-ext' } }) },
  {
    name: 'extension-less file',
    root: 'extensionless',
    handler: 'handler.run',
    ...both({ result: { kind: 'extensionless' } }),
  },
  { name: 'nested directory', root: 'nested', handler: 'src/fns/index.handler', ...both(nested) },
  { name: 'absolute path', root: 'cjs', handler: `${FIX}/nested/src/fns/index.handler`, ...both(nested) },
  { name: 'nested export (CJS)', root: 'cjs', handler: 'index.nested.deeper.fn', ...both({ result: 'nested-cjs' }) },
  { name: 'nested export (ESM)', root: 'esm-mjs', handler: 'index.a.b.c', ...both({ result: 'nested-esm' }) },
  {
    name: 'export only on the default export',
    root: 'esm-mjs',
    handler: 'index.onlyDefault',
    ric3: { errorType: 'Runtime.HandlerNotFound', message: /index\.onlyDefault is undefined or not exported/ },
    ric4: { result: 'from-default' },
  },
  {
    name: 'package in node_modules (require.resolve fallback)',
    root: 'pkg-fallback',
    handler: 'fallback-wrapper.handler',
    ...both({ result: { kind: 'package-fallback' } }),
  },
  {
    name: 'package in the layer through NODE_PATH',
    root: 'cjs',
    handler: 'layer-wrapper.handler',
    env: { SANDBOX_OPT_DIR: join(FIX, 'layer-opt') },
    ...both({ result: { kind: 'layer-wrapper' } }),
  },
  {
    name: 'ESM syntax in .js without "type":"module"',
    root: 'esm-in-js',
    handler: 'index.handler',
    ric3: { errorType: 'Runtime.UserCodeSyntaxError', message: /SyntaxError/ },
    ric4: { result: { kind: 'esm-in-js' } },
  },
  {
    name: 'export is not a function',
    root: 'cjs',
    handler: 'index.notAFunction',
    ...both({ errorType: 'Runtime.HandlerNotFound', message: /^index\.notAFunction is not a function$/ }),
  },
  {
    name: 'missing export',
    root: 'cjs',
    handler: 'index.nope',
    ...both({ errorType: 'Runtime.HandlerNotFound', message: /^index\.nope is undefined or not exported$/ }),
  },
  {
    name: 'missing module',
    root: 'cjs',
    handler: 'missing.handler',
    ...both({ errorType: 'Runtime.ImportModuleError', message: /^Error: Cannot find module 'missing'/ }),
  },
  {
    name: 'syntax error',
    root: '<syntax-error>',
    handler: 'index.handler',
    ...both({ errorType: 'Runtime.UserCodeSyntaxError', message: /^SyntaxError: / }),
  },
  {
    name: '".." in the handler',
    root: 'nested',
    handler: '../cjs/index.handler',
    ...both({ errorType: 'Runtime.MalformedHandlerName', message: /is not a valid handler name/ }),
  },
  {
    name: 'no export part',
    root: 'cjs',
    handler: 'index',
    ...both({ errorType: 'Runtime.MalformedHandlerName', message: /^Bad handler$/ }),
  },
  {
    name: 'module throws at load',
    root: 'init-throws',
    handler: 'index.handler',
    ...both({ errorType: 'Error', message: /^init failed$/ }),
  },
];

/** The syntax-error fixture is stored as .txt (biome would reject it); give it its real name in a temp root. */
function syntaxErrorRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'syntax-error-'));
  copyFileSync(join(FIX, 'syntax-error', 'index.js.txt'), join(dir, 'index.js'));
  return dir;
}

describe.each(availableRuntimes())('handler resolution on Node $major', ({ major, node }) => {
  const rules = major >= 24 ? 'ric4' : 'ric3';
  const h = useRuntimeHarness();
  let syntaxRoot: string;
  beforeAll(() => {
    syntaxRoot = syntaxErrorRoot();
  });
  afterAll(() => rmSync(syntaxRoot, { recursive: true, force: true }));

  test.each(CASES)(`${rules}: $name`, async (c) => {
    const taskRoot = c.root === '<syntax-error>' ? syntaxRoot : join(FIX, c.root);
    const s = await h.start({ node, taskRoot, handler: c.handler, env: c.env });
    const expected = c[rules];
    const outcome = await initOutcome(s);
    if ('result' in expected) {
      expect({ outcome, stderr: s.run.stderr() }).toEqual({ outcome: 'ready', stderr: '' });
      const posted = await s.api.invoke({ event: { n: 1 } });
      expect(posted.kind).toBe('response');
      expect(JSON.parse(posted.body)).toEqual(expected.result);
      return;
    }
    expect(outcome).toBe('init-error');
    const posted = await s.api.initError();
    const body = JSON.parse(posted.body) as { errorType: string; errorMessage: string; trace: string[] };
    expect(posted.headers['lambda-runtime-function-error-type']).toBe(expected.errorType);
    expect(body.errorType).toBe(expected.errorType);
    if (expected.message) expect(body.errorMessage).toMatch(expected.message);
    expect(Array.isArray(body.trace)).toBe(true);
    // RIC 3.x: the failed top-level await is an uncaught exception (129); RIC 4.x leaves the rejection to Node (1).
    expect((await s.run.exited).code).toBe(rules === 'ric3' ? 129 : 1);
    expect(s.api.nextCalls).toBe(0);
  });
});

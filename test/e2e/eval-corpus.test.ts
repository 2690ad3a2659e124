/**
 * The evaluation corpus (test/corpus) end to end on the host's Node 20, in monitor and block mode, with the built
 * layer in the sandbox (the Node 22/24 matrix and the Zen comparison run in `make eval`). Asserts: every attack case
 * detected with its expected category (severity, kind, input path), its effect real in monitor mode and absent in
 * block mode (marker file, process marker, file content, canary connection, secret), and no finding on any benign
 * case while the benign functions still do their work.
 */
import { CORPUS } from '../corpus';
import type { AttackCase } from '../corpus/types';
import { startAwsStack } from '../../scripts/sandbox/aws';
import { type CaseResult, judgeSentinel } from '../../scripts/eval/judge';
import { pool } from '../../scripts/eval/pool';
import { type FunctionRun, type Mode, prepareLayers, runFunction } from '../../scripts/eval/run-function';

jest.setTimeout(600_000);

const results: Record<Mode, CaseResult[]> = { monitor: [], block: [] };
const failures: string[] = [];

beforeAll(async () => {
  const layers = prepareLayers();
  const stack = await startAwsStack();
  try {
    const { topicArn, queueUrl } = await stack.createTopicWithQueue('eval-events', 'eval-inbox');
    const aws = { env: stack.env, topicArn, queueUrl };
    const jobs = (['monitor', 'block'] as Mode[]).flatMap((mode) =>
      CORPUS.map((fn) => async (): Promise<[Mode, FunctionRun, CaseResult[]]> => {
        const run = await runFunction({
          fn,
          subject: 'sentinel',
          mode,
          node: process.execPath,
          nodeMajor: 20,
          layers,
          bootstrap: layers.bootstrap,
          aws,
        });
        return [mode, run, judgeSentinel(fn, run)];
      }),
    );
    for (const [mode, run, judged] of await pool(2, jobs)) {
      if (run.failure) failures.push(`${run.fnId} ${mode}: ${run.failure}`);
      results[mode].push(...judged);
    }
  } finally {
    await stack.stop();
    layers.cleanup();
  }
});

const attacks = CORPUS.flatMap((f) => f.cases.filter((c): c is AttackCase => c.type === 'attack'));
const benign = CORPUS.flatMap((f) => f.cases.filter((c) => c.type === 'benign'));
const get = (mode: Mode, id: string) => {
  const r = results[mode].find((x) => x.caseId === id);
  if (!r) throw new Error(`no result for ${id} in ${mode} mode`);
  return r;
};

it('the corpus has the promised size and breadth', () => {
  expect(attacks.length).toBeGreaterThanOrEqual(25);
  expect(CORPUS.filter((f) => f.benignOnly).length).toBeGreaterThanOrEqual(12);
  const techniques = new Set(attacks.flatMap((c) => c.techniques));
  expect([...techniques].sort()).toEqual(
    ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'T13'].sort(),
  );
  const triggers = new Set(CORPUS.flatMap((f) => f.cases.map((c) => c.trigger)));
  expect([...triggers].sort()).toEqual(
    ['alb', 'apigw-v1', 'apigw-v2', 'direct', 'dynamodb-stream', 'eventbridge', 'function-url', 's3', 'sns', 'sqs'].sort(),
  );
  expect(new Set(CORPUS.map((f) => f.module))).toEqual(new Set(['cjs', 'esm']));
  expect(failures).toEqual([]);
});

describe.each(['monitor', 'block'] as Mode[])('%s mode', (mode) => {
  it.each(attacks.map((c) => [c.id, c] as const))('attack %s is detected with the expected findings', (id, c) => {
    const r = get(mode, id);
    expect({ id, missing: r.missing }).toEqual({ id, missing: [] });
    expect(r.detected).toBe(true);
    if (mode === 'monitor' && c.block.effect) {
      // The attack is real: without blocking its effect happens.
      expect({ id, effect: r.effect, happened: r.effectHappened }).toEqual({ id, effect: r.effect, happened: true });
    }
    if (mode === 'block' && c.block.blockable) {
      // Stopped before the effect: no marker file / process marker, no file content or secret out, no connection.
      expect({ id, effect: r.effect ?? 'finding says blocked', blocked: r.blocked }).toEqual({
        id,
        effect: r.effect ?? 'finding says blocked',
        blocked: true,
      });
      if (c.block.effect) expect(r.effectHappened).toBe(false);
    }
  });

  it.each(benign.map((c) => [c.id] as const))('benign %s produces no finding and works', (id) => {
    const r = get(mode, id);
    expect({ id, findings: r.falsePositives, notes: r.notes.filter((n) => n.startsWith('function did not work')) }).toEqual({
      id,
      findings: [],
      notes: [],
    });
  });
});

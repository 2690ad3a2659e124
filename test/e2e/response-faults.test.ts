/**
 * Delivery guarantees under faults: each stand-in throttles, answers 5xx, hangs or is unreachable.
 * With recovery before shutdown nothing is lost (findings in = findings recorded in stored incidents, every
 * action done); without recovery the loss is logged with exact counts and the responder keeps serving.
 */
import { makeFinding } from '../../extension/src/correlate/testing';
import { queryIncidents, type StoredItem } from '../../extension/src/record/incidents';
import type { Incident } from '../../extension/src/record/types';
import { type AwsStack, type Fault, type FaultableService, startAwsStack } from '../../scripts/sandbox/aws';
import { createIncidentTable, docClient, type Harness, makeHarness, useStackEnv } from './helpers/response-harness';

const TABLE = 'sentinel-incidents-faults';
let stack: AwsStack;
let topicArn: string;
let fnSeq = 0;

beforeAll(async () => {
  stack = await startAwsStack();
  useStackEnv(stack);
  await createIncidentTable(stack, TABLE);
  ({ topicArn } = await stack.createTopicWithQueue('fault-alerts', 'fault-inbox'));
}, 30_000);

afterAll(async () => {
  await stack?.stop();
});

const SERVICES: FaultableService[] = ['dynamodb', 'sns', 'lambda', 'slack'];
const KINDS: Fault['kind'][] = ['throttle', 'error5xx', 'hang', 'unreachable'];

function setup(): { fn: string; h: Harness } {
  const fn = `fault-fn-${++fnSeq}`;
  stack.lambda.ensureFunction(fn, { APP_MODE: 'prod' });
  const h = makeHarness({
    functionName: fn,
    env: {
      SENTINEL_INCIDENT_TABLE: TABLE,
      SENTINEL_SNS_TOPIC_ARN: topicArn,
      SENTINEL_SLACK_WEBHOOK_URL: stack.slackWebhookUrl,
    },
  });
  return { fn, h };
}

/** 4 findings over 3 invocations → 3 incidents (injection-high ×2 merged; path traversal ×2 in two requests). */
async function drive(h: Harness): Promise<number> {
  const plan: [string, Parameters<typeof makeFinding>[0][]][] = [
    [
      'r1',
      [
        { category: 'command_injection', severity: 'high' },
        { category: 'command_injection', severity: 'high' },
      ],
    ],
    ['r2', [{ category: 'path_traversal', severity: 'medium' }]],
    ['r3', [{ category: 'path_traversal', severity: 'medium' }]],
  ];
  let n = 0;
  for (const [req, findings] of plan) {
    for (const f of findings) {
      h.responder.onFinding(makeFinding({ ...f, requestId: req }));
      n++;
    }
    await h.responder.beforeNext(req);
  }
  return n;
}

async function stored(fn: string): Promise<Incident[]> {
  const items: StoredItem[] = await queryIncidents(docClient(stack), TABLE, fn, '2000-01-01T00:00:00.000Z');
  return items.filter((i): i is Incident & StoredItem => i.type === 'incident');
}

function delivery(h: Harness): Record<string, number> {
  const lines = h.byEvt('delivery');
  return lines[lines.length - 1].delivery as Record<string, number>;
}

describe.each(SERVICES)('%s faults', (service) => {
  afterEach(() => stack.setFault(service, { kind: 'none' }));

  it.each(KINDS)(
    `${service} %s for two requests, then recovery: nothing is lost`,
    async (kind) => {
      const { fn, h } = setup();
      stack.setFault(service, { kind } as Fault, { count: 2 });
      const findingsIn = await drive(h);
      await h.responder.shutdown(Date.now() + 2000);
      stack.setFault(service, { kind: 'none' });

      const incs = await stored(fn);
      expect(incs).toHaveLength(3);
      expect(incs.reduce((s, i) => s + i.findingCount, 0)).toBe(findingsIn);
      const statuses = incs.flatMap((i) => i.actions.map((a) => `${a.type}:${a.status}`)).sort();
      expect(statuses).toEqual(['alert:merged', 'alert:ok', 'alert:ok', 'monitor:ok', 'monitor:ok', 'quarantine:ok']);
      expect(stack.lambda.getFunction(fn)!.environment).toMatchObject({
        APP_MODE: 'prod',
        SENTINEL_QUARANTINE: expect.any(String),
      });
      expect(delivery(h)).toMatchObject({
        incidents: 3,
        incidentsNotStored: 0,
        alertsNotSent: 0,
        alertMessagesFailed: 0,
        fleetIncrementsFailed: 0,
      });
      // The fault was really hit: the stand-in recorded more requests than a clean run needs.
      if (kind !== 'unreachable' || service !== 'slack')
        expect(stack.calls().some((c) => c.service === service)).toBe(true);
    },
    30_000,
  );
});

describe('faults without recovery: loss is logged with exact counts and the responder keeps serving', () => {
  afterEach(() => {
    for (const s of SERVICES) stack.setFault(s, { kind: 'none' });
  });

  it.each(['error5xx', 'unreachable'] as const)(
    'dynamodb %s: every incident and fleet increment is counted as lost',
    async (kind) => {
      const { fn, h } = setup();
      stack.setFault('dynamodb', { kind });
      await drive(h);
      await h.responder.shutdown(Date.now() + 800);
      stack.setFault('dynamodb', { kind: 'none' });
      expect(await stored(fn)).toEqual([]);
      // 2 injection findings count for 2 fleet rules each, 2 path traversals for 1: 6 increments.
      expect(delivery(h)).toMatchObject({
        findings: 4,
        incidents: 3,
        incidentsStored: 0,
        incidentsNotStored: 3,
        fleetIncrementsFailed: 6,
      });
      const line = h.byEvt('delivery').at(-1)!;
      expect(line.level).toBe(50);
      expect(line.msg).toMatch(/undelivered at shutdown: 3 incident record\(s\)/);
      // Still serving: the other channels worked.
      expect(stack.lambda.getFunction(fn)!.environment.SENTINEL_QUARANTINE).toBeDefined();
    },
    30_000,
  );

  it('sns and slack 5xx: failed alerts are counted, incidents still stored with the failure', async () => {
    const { fn, h } = setup();
    stack.setFault('sns', { kind: 'error5xx' });
    stack.setFault('slack', { kind: 'error5xx' });
    await drive(h);
    await h.responder.shutdown(Date.now() + 1500);
    const incs = await stored(fn);
    expect(incs).toHaveLength(3);
    const alerts = incs.flatMap((i) => i.actions.filter((a) => a.type === 'alert'));
    // r3's alert joined r2's message while it waited for a retry: it shares that message's failure.
    expect(alerts.map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);
    expect(delivery(h)).toMatchObject({ alertMessages: 2, alertMessagesFailed: 2, incidentsNotStored: 0 });
  }, 30_000);

  it('lambda unreachable: the quarantine failure is recorded, the agent was still told', async () => {
    const { fn, h } = setup();
    stack.setFault('lambda', { kind: 'unreachable' });
    await drive(h);
    await h.responder.shutdown(Date.now() + 1500);
    stack.setFault('lambda', { kind: 'none' });
    const q = (await stored(fn)).flatMap((i) => i.actions).find((a) => a.type === 'quarantine');
    expect(q?.status).toBe('failed');
    expect(q?.detail).toMatch(/agent told/);
    expect(h.agentMessages).toHaveLength(1);
    expect(stack.lambda.getFunction(fn)!.environment.SENTINEL_QUARANTINE).toBeUndefined();
  }, 30_000);

  it('slack hangs: the alert gives up at the deadline and shutdown still ends in time', async () => {
    const { h } = setup();
    stack.setFault('slack', { kind: 'hang' });
    h.responder.onFinding(makeFinding({ category: 'path_traversal', severity: 'medium', requestId: 'h1' }));
    const t0 = Date.now();
    await h.responder.shutdown(t0 + 1000);
    expect(Date.now() - t0).toBeLessThan(1200);
    expect(delivery(h)).toMatchObject({ alertMessagesFailed: 1 });
  }, 30_000);
});

/**
 * The code baseline and the posture key against the DynamoDB stand-in with the real SDK: chunking of a large tree,
 * a reader never mixing chunks of two writers, and one per-function key shared by concurrent cold starts.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { BaselineStore } from '../../extension/src/posture/baseline';
import { baselineSk, posturePk } from '../../extension/src/posture/keys';
import { loadPostureKey } from '../../extension/src/posture/posture-key';
import { type AwsStack, startAwsStack } from '../../scripts/sandbox/aws';
import { createIncidentTable, docClient, useStackEnv } from './helpers/response-harness';

const TABLE = 'sentinel-posture-baseline';
let stack: AwsStack;

beforeAll(async () => {
  stack = await startAwsStack();
  useStackEnv(stack);
  await createIncidentTable(stack, TABLE);
}, 30_000);
afterAll(async () => stack?.stop());

const store = (functionName: string) =>
  new BaselineStore({ ddb: () => docClient(stack), table: TABLE, functionName, version: '7', ttlDays: 1 });

test('a 5 000-file baseline is stored in chunks and read back whole', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 5000; i++) files[`node_modules/pkg-${i}/index.js`] = i.toString(16).padStart(16, '0');
  const s = store('fn-big');
  expect(await s.load(Date.now() + 5000)).toBeUndefined();
  await s.save(
    { files, complete: true, digest: 'd1', createdAt: new Date().toISOString(), environmentId: 'e1' },
    Date.now() + 10_000,
  );
  const back = await s.load(Date.now() + 5000);
  expect(back).toMatchObject({ complete: true, digest: 'd1', environmentId: 'e1' });
  expect(back?.files).toEqual(files);
  const items = await docClient(stack).send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': posturePk('fn-big', '7') },
    }),
  );
  expect((items.Items ?? []).map((i) => i.sk)).toEqual(['BASE#task#0000', 'BASE#task#0001', 'BASE#task#0002']);
});

test('a head chunk of another generation whose other chunks are missing is not a baseline (no mixing)', async () => {
  const s = store('fn-mix');
  await s.save(
    {
      files: { 'index.mjs': 'a'.repeat(16) },
      complete: true,
      digest: 'd1',
      createdAt: new Date().toISOString(),
      environmentId: 'e1',
    },
    Date.now() + 5000,
  );
  // A concurrent writer got as far as its head chunk, announcing 2 chunks.
  await docClient(stack).send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        pk: posturePk('fn-mix', '7'),
        sk: baselineSk('task', 0),
        generation: 'other',
        chunk: 0,
        chunks: 2,
        data: new Uint8Array(),
      },
    }),
  );
  expect(await s.load(Date.now() + 5000)).toBeUndefined();
});

test('concurrent cold starts agree on one per-function key', async () => {
  const keys = await Promise.all(
    Array.from({ length: 4 }, () => loadPostureKey(() => docClient(stack), TABLE, 'fn-key', Date.now() + 5000)),
  );
  expect(keys.map((k) => k.scope)).toEqual(['function', 'function', 'function', 'function']);
  expect(new Set(keys.map((k) => k.hash('same value'))).size).toBe(1);
  const other = await loadPostureKey(() => docClient(stack), TABLE, 'fn-other', Date.now() + 5000);
  expect(other.hash('same value')).not.toBe(keys[0].hash('same value'));
});

test('an unreachable table falls back to an environment key (no throw)', async () => {
  const k = await loadPostureKey(() => docClient(stack), 'no-such-table', 'fn', Date.now() + 3000);
  expect(k.scope).toBe('environment');
  expect(k.error?.name).toBeDefined();
});

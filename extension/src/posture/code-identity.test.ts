import { LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { type AwsStack, startAwsStack } from '../../../scripts/sandbox/aws';
import {
  type IdentityRead,
  isSettled,
  judgeChange,
  parseLastModified,
  readIdentity,
  SETTLE_MS,
  type StoredIdentity,
} from './code-identity';

const T = Date.parse('2026-01-10T12:00:00.000Z');
const LM = '2026-01-10T12:00:00.000+0000';
const stored = (o: Partial<StoredIdentity> = {}): StoredIdentity => ({
  codeSha256: 'AAAAsha1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  lastModified: LM,
  revisionId: 'r1',
  settled: true,
  ...o,
});
const read = (sha: string, settled = true): IdentityRead => ({
  ok: true,
  id: { codeSha256: sha, lastModified: LM, revisionId: 'r2' },
  settled,
});

describe('parseLastModified / isSettled', () => {
  test("AWS's +0000 offset format parses; garbage is NaN", () => {
    expect(parseLastModified(LM)).toBe(T);
    expect(parseLastModified('2026-01-10T14:00:00.000+0200')).toBe(T);
    expect(parseLastModified('yesterday')).toBeNaN();
  });

  test('$LATEST: settled only when the environment started SETTLE_MS after a completed update', () => {
    expect(isSettled('$LATEST', { lastModified: LM }, T + SETTLE_MS)).toBe(true);
    expect(isSettled('$LATEST', { lastModified: LM }, T + SETTLE_MS - 1)).toBe(false);
    expect(isSettled('$LATEST', { lastModified: LM }, T - 60_000)).toBe(false); // started before the update
    expect(isSettled('$LATEST', { lastModified: LM }, T + 10 * SETTLE_MS, 'InProgress')).toBe(false);
    expect(isSettled('$LATEST', { lastModified: '' }, T + 10 * SETTLE_MS)).toBe(false);
  });

  test('a published version is immutable: always settled', () => {
    expect(isSettled('7', { lastModified: LM }, T - 60_000, 'InProgress')).toBe(true);
  });
});

describe('judgeChange (files differ from the baseline)', () => {
  test('CodeSha256 changed: a deploy, on $LATEST and on a version whose function was created again', () => {
    for (const version of ['$LATEST', '3'])
      expect(judgeChange({ version, stored: stored(), current: read('BBBBsha2') })).toEqual({
        kind: 'deployed',
        old: stored().codeSha256,
        new: 'BBBBsha2',
      });
  });

  test('a deploy is a deploy even in an environment started during the update', () => {
    expect(judgeChange({ version: '$LATEST', stored: stored(), current: read('BBBBsha2', false) }).kind).toBe(
      'deployed',
    );
  });

  test('CodeSha256 unchanged, both sides settled: modified (critical)', () => {
    expect(judgeChange({ version: '$LATEST', stored: stored(), current: read(stored().codeSha256) })).toEqual({
      kind: 'modified',
    });
    expect(judgeChange({ version: '2', stored: stored(), current: read(stored().codeSha256) })).toEqual({
      kind: 'modified',
    });
  });

  test('$LATEST, control plane unreadable: unverified with the reason, baseline replaced', () => {
    expect(
      judgeChange({
        version: '$LATEST',
        stored: stored(),
        current: { ok: false, reason: 'GetFunctionConfiguration failed: AccessDeniedException (403)' },
      }),
    ).toEqual({
      kind: 'unverified',
      reason: 'GetFunctionConfiguration failed: AccessDeniedException (403)',
      replace: true,
    });
  });

  test('a published version, control plane unreadable: still modified (its code cannot change)', () => {
    expect(judgeChange({ version: '5', stored: stored(), current: { ok: false, reason: 'x' } })).toEqual({
      kind: 'modified',
    });
    expect(judgeChange({ version: '5', current: read('BBBBsha2') })).toEqual({ kind: 'modified' });
  });

  test('$LATEST, same CodeSha256 but this environment may predate the update: unverified, baseline kept', () => {
    expect(judgeChange({ version: '$LATEST', stored: stored(), current: read(stored().codeSha256, false) })).toEqual({
      kind: 'unverified',
      reason: 'this environment may predate the last update',
      replace: false,
    });
  });

  test('$LATEST, same CodeSha256, baseline stored during an update: unverified, replaced by settled code', () => {
    expect(
      judgeChange({ version: '$LATEST', stored: stored({ settled: false }), current: read(stored().codeSha256) }),
    ).toEqual({ kind: 'unverified', reason: 'the baseline was stored during an update', replace: true });
  });

  test('$LATEST, a baseline without CodeSha256 (older Sentinel, or unreadable then): unverified', () => {
    expect(judgeChange({ version: '$LATEST', current: read('BBBBsha2') })).toEqual({
      kind: 'unverified',
      reason: 'baseline without CodeSha256',
      replace: true,
    });
    expect(judgeChange({ version: '$LATEST', current: read('BBBBsha2', false) })).toMatchObject({ replace: false });
  });
});

describe('readIdentity against the Lambda control-plane stand-in', () => {
  let stack: AwsStack;
  let lambda: LambdaClient;
  beforeAll(async () => {
    stack = await startAwsStack();
    lambda = new LambdaClient({
      region: stack.region,
      endpoint: stack.env.AWS_ENDPOINT_URL_LAMBDA,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    lambda?.destroy();
    await stack?.stop();
  });

  test('CodeSha256, LastModified and RevisionId; an UpdateFunctionCode changes them; unsettled right after', async () => {
    stack.lambda.ensureFunction('ident', {});
    const o = { lambda: () => lambda, functionName: 'ident', version: '$LATEST', deadline: Date.now() + 5000 };
    const before = await readIdentity({ ...o, envStartMs: Date.now() });
    expect(before).toMatchObject({
      ok: true,
      settled: false,
      id: { codeSha256: stack.lambda.getFunction('ident')?.codeSha256 },
    });
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'ident', ZipFile: Buffer.from('new code') }));
    const after = await readIdentity({ ...o, envStartMs: Date.now() + SETTLE_MS + 60_000 });
    if (!before.ok || !after.ok) throw new Error('unreadable');
    expect(after.id.codeSha256).toBe('17wy5fZ2Cpl7U0YdgQLL6PpwvYTFUPmJ1UgHqx9ylKQ='); // base64 sha256('new code')
    expect(after.id.revisionId).not.toBe(before.id.revisionId);
    expect(after.settled).toBe(true);
    // The request was unqualified for $LATEST (the managed policy names the unqualified function ARN).
    const gets = stack.calls().filter((c) => c.operation === 'GetFunctionConfiguration');
    expect(gets.at(-1)?.request).toEqual({ FunctionName: 'ident' });
  });

  test('errors become a reason, never a throw', async () => {
    const o = { lambda: () => lambda, version: '$LATEST', envStartMs: Date.now(), deadline: Date.now() + 5000 };
    expect(await readIdentity({ ...o, functionName: 'absent' })).toEqual({
      ok: false,
      reason: 'GetFunctionConfiguration failed: ResourceNotFoundException (404)',
    });
    stack.setFault('lambda', { kind: 'error5xx' });
    try {
      expect(await readIdentity({ ...o, functionName: 'ident' })).toEqual({
        ok: false,
        reason: 'GetFunctionConfiguration failed: ServiceException (500)',
      });
    } finally {
      stack.setFault('lambda', { kind: 'none' });
    }
  });
});

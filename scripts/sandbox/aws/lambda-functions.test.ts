import { LambdaError, LambdaFunctions } from './lambda-functions';

function fixture() {
  const fns = new LambdaFunctions('eu-west-1', '123456789012');
  fns.ensure('orders', { A: '1' });
  return fns;
}

function errorOf(fn: () => unknown): LambdaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LambdaError) return err;
    throw err;
  }
  throw new Error('expected a LambdaError');
}

describe('LambdaFunctions', () => {
  test('resolves names, full and partial ARNs, and $LATEST only', () => {
    const fns = fixture();
    expect(fns.resolve('orders').name).toBe('orders');
    expect(fns.resolve('arn:aws:lambda:eu-west-1:123456789012:function:orders').name).toBe('orders');
    expect(fns.resolve('123456789012:function:orders').name).toBe('orders');
    expect(fns.resolve('orders:$LATEST').name).toBe('orders');
    expect(errorOf(() => fns.resolve('orders', 'live')).type).toBe('ResourceNotFoundException');
    expect(errorOf(() => fns.resolve('arn:aws:lambda:us-east-1:123456789012:function:orders')).status).toBe(404);
    expect(errorOf(() => fns.resolve('other')).message).toBe(
      'Function not found: arn:aws:lambda:eu-west-1:123456789012:function:other',
    );
  });

  test('updates merge fields, replace the environment, and rotate the RevisionId', () => {
    const fns = fixture();
    const fn = fns.resolve('orders');
    const first = fn.revisionId;
    const reply = fns.updateConfiguration(fn, { MemorySize: 256, Environment: { Variables: { B2: '2' } }, Bogus: 1 });
    expect(reply).toMatchObject({ MemorySize: 256, Timeout: 3, Environment: { Variables: { B2: '2' } } });
    expect(reply).not.toHaveProperty('Bogus');
    expect(fn.revisionId).not.toBe(first);
    fns.updateConfiguration(fn, { Environment: {} });
    expect(fns.configuration(fn)).not.toHaveProperty('Environment');
  });

  test('rejects out-of-range settings, bad keys, reserved keys and a map over 4 KB', () => {
    const fns = fixture();
    const fn = fns.resolve('orders');
    const revision = fn.revisionId;
    expect(errorOf(() => fns.updateConfiguration(fn, { Timeout: 901 })).type).toBe('ValidationException');
    expect(errorOf(() => fns.updateConfiguration(fn, { Environment: { Variables: { '1BAD': 'x' } } })).type).toBe(
      'ValidationException',
    );
    // AWS's key pattern [a-zA-Z]([a-zA-Z0-9_])+ needs two characters at least.
    expect(errorOf(() => fns.updateConfiguration(fn, { Environment: { Variables: { B: 'x' } } })).type).toBe(
      'ValidationException',
    );
    expect(
      errorOf(() => fns.updateConfiguration(fn, { Environment: { Variables: { LAMBDA_TASK_ROOT: 'x' } } })).type,
    ).toBe('InvalidParameterValueException');
    const tooBig = errorOf(() =>
      fns.updateConfiguration(fn, { Environment: { Variables: { BIG: 'x'.repeat(4100) } } }),
    );
    expect(tooBig.type).toBe('InvalidParameterValueException');
    expect(tooBig.message).not.toContain('xxxx');
    expect(fn.revisionId).toBe(revision); // a failed update changes nothing
    expect(fn.environment).toEqual({ A: '1' });
  });

  test('reserved concurrency keeps 100 unreserved across the account', () => {
    const fns = fixture();
    fns.ensure('other', {});
    fns.putConcurrency(fns.resolve('other'), 800);
    expect(fns.putConcurrency(fns.resolve('orders'), 100)).toBe(100);
    expect(errorOf(() => fns.putConcurrency(fns.resolve('orders'), 101)).type).toBe('InvalidParameterValueException');
    expect(errorOf(() => fns.putConcurrency(fns.resolve('orders'), -1)).type).toBe('InvalidParameterValueException');
    fns.deleteConcurrency(fns.resolve('other'));
    expect(fns.putConcurrency(fns.resolve('orders'), 900)).toBe(900);
  });
});

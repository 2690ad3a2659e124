import { detectorBenchCases } from './bench';

test('bench cases run and exercise both the benign and the attack path', () => {
  const results = new Map(detectorBenchCases().map((c) => [c.name, c.run()]));
  expect(results.get('detectShellCommand(benign, quoted input)')).toBeUndefined();
  expect((results.get('detectShellCommand(injection)') as { kind: string }).kind).toBe('shell_metachar');
  expect(results.get('detectExec(allowed, benign)')).toEqual([]);
  expect(results.get('detectPath(read under task root)')).toBeUndefined();
  expect(results.get('detectPath(write in /tmp)')).toBeUndefined();
  expect(results.get('detectOutbound(allowed AWS endpoint)')).toEqual([]);
  expect(results.get('detectSecretLeak(2 KB body, no secret)')).toBeUndefined();
  expect((results.get('extractInputs(API Gateway v2 event)') as { inputs: unknown[] }).inputs.length).toBeGreaterThan(
    20,
  );
});

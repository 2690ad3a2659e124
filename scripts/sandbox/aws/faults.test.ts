import { FaultSwitch } from './faults';

describe('FaultSwitch', () => {
  test('an uncounted fault stays armed', () => {
    const s = new FaultSwitch();
    s.set({ kind: 'throttle' });
    expect([s.take().kind, s.take().kind, s.take().kind]).toEqual(['throttle', 'throttle', 'throttle']);
  });

  test('a counted fault applies to the next N requests, then clears', () => {
    const s = new FaultSwitch();
    s.set({ kind: 'error5xx' }, 2);
    expect([s.take().kind, s.take().kind, s.take().kind]).toEqual(['error5xx', 'error5xx', 'none']);
    expect(s.peek().kind).toBe('none');
  });

  test('count 0 disarms; invalid counts and latencies are refused', () => {
    const s = new FaultSwitch();
    s.set({ kind: 'hang' }, 0);
    expect(s.take().kind).toBe('none');
    expect(() => s.set({ kind: 'hang' }, -1)).toThrow();
    expect(() => s.set({ kind: 'hang' }, 1.5)).toThrow();
    expect(() => s.set({ kind: 'latency', ms: Number.NaN })).toThrow();
  });

  test('a new fault replaces the old one and its count', () => {
    const s = new FaultSwitch();
    s.set({ kind: 'throttle' }, 1);
    s.set({ kind: 'latency', ms: 5 });
    expect([s.take(), s.take()]).toEqual([
      { kind: 'latency', ms: 5 },
      { kind: 'latency', ms: 5 },
    ]);
  });
});

import fc from 'fast-check';
import { SlidingCounter } from './windows';

/** Reference model: fire when ≥ N events since the last firing lie within (t − W, t]. */
function naiveFires(times: number[], n: number, w: number): number[] {
  const fired: number[] = [];
  let since: number[] = [];
  for (const t of times) {
    since.push(t);
    const inWindow = since.filter((x) => t - x < w);
    if (inWindow.length >= n) {
      fired.push(t);
      since = [];
    }
  }
  return fired;
}

describe('SlidingCounter', () => {
  it('fires at the Nth event inside the window and starts again from zero', () => {
    const c = new SlidingCounter<number>(3, 1000);
    expect(c.add('k', 0, 1)).toBeUndefined();
    expect(c.add('k', 500, 2)).toBeUndefined();
    expect(c.add('k', 999, 3)).toEqual([1, 2, 3]);
    expect(c.add('k', 1000, 4)).toBeUndefined();
    expect(c.count('k', 1000)).toBe(1);
  });

  it('does not count events that left the window', () => {
    const c = new SlidingCounter<number>(2, 1000);
    c.add('k', 0, 1);
    expect(c.add('k', 1000, 2)).toBeUndefined(); // exactly W apart: the first one is out
    expect(c.add('k', 1500, 3)).toEqual([2, 3]);
  });

  it('keeps keys apart and bounds the number of keys', () => {
    const c = new SlidingCounter<number>(2, 1000, 2);
    c.add('a', 0, 1);
    c.add('b', 0, 1);
    c.add('c', 0, 1); // evicts a
    expect(c.size).toBe(2);
    expect(c.add('c', 1, 2)).toEqual([1, 2]);
    expect(c.add('a', 1, 2)).toBeUndefined(); // a was evicted: its first event is gone
  });

  it('matches the reference model for any event stream (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 80 }),
        (n, w, gaps) => {
          const times: number[] = [];
          let t = 0;
          for (const g of gaps) {
            t += g;
            times.push(t);
          }
          const c = new SlidingCounter<number>(n, w);
          const fired = times.filter((at) => c.add('k', at, at) !== undefined);
          expect(fired).toEqual(naiveFires(times, n, w));
        },
      ),
      { numRuns: 300 },
    );
  });
});

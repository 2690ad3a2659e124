import { PrototypeWatch } from './pollution';

describe('PrototypeWatch', () => {
  afterEach(() => {
    for (const k of ['sentinelTestA', 'sentinelTestB', 'sentinelTestC']) Reflect.deleteProperty(Object.prototype, k);
    Reflect.deleteProperty(Array.prototype, 'sentinelTestA');
  });

  it('reports enumerable properties added to built-in prototypes at the next check, once', () => {
    const w = new PrototypeWatch();
    w.snapshot(0);
    expect(w.changes(1)).toEqual([]);
    // What a polluting merge does: a plain assignment (enumerable).
    (Object.prototype as Record<string, unknown>).sentinelTestA = 1;
    (Array.prototype as unknown as Record<string, unknown>).sentinelTestA = 1;
    expect(w.changes(2)).toEqual([
      { proto: 'Object.prototype', keys: ['sentinelTestA'] },
      { proto: 'Array.prototype', keys: ['sentinelTestA'] },
    ]);
    expect(w.changes(3)).toEqual([]);
  });

  it('reports non-enumerable and symbol additions at the next full scan (at most a second later)', () => {
    const w = new PrototypeWatch();
    w.snapshot(0);
    Object.defineProperty(Object.prototype, 'sentinelTestB', { value: 1, configurable: true });
    expect(w.changes(10)).toEqual([]);
    expect(w.changes(1000)).toEqual([{ proto: 'Object.prototype', keys: ['sentinelTestB'] }]);
    expect(w.changes(2500)).toEqual([]);
  });

  it('a key deleted and another added between two full scans is still seen', () => {
    const w = new PrototypeWatch();
    Object.defineProperty(Object.prototype, 'sentinelTestA', { value: 1, configurable: true });
    w.snapshot(0);
    Reflect.deleteProperty(Object.prototype, 'sentinelTestA');
    Object.defineProperty(Object.prototype, 'sentinelTestB', { value: 1, configurable: true });
    expect(w.changes(1000)).toEqual([{ proto: 'Object.prototype', keys: ['sentinelTestB'] }]);
  });

  it('follows deletions, so a later addition is still seen', () => {
    const w = new PrototypeWatch();
    Object.defineProperty(Object.prototype, 'sentinelTestA', { value: 1, configurable: true });
    w.snapshot(0);
    Reflect.deleteProperty(Object.prototype, 'sentinelTestA');
    expect(w.changes(5000)).toEqual([]);
    Object.defineProperty(Object.prototype, 'sentinelTestC', { value: 1, configurable: true });
    expect(w.changes(10000)).toEqual([{ proto: 'Object.prototype', keys: ['sentinelTestC'] }]);
  });
});

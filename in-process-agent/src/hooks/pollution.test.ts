import { PrototypeWatch } from './pollution';

describe('PrototypeWatch', () => {
  afterEach(() => {
    for (const k of ['sentinelTestA', 'sentinelTestB']) Reflect.deleteProperty(Object.prototype, k);
  });

  it('reports own properties added to built-in prototypes since the baseline, once', () => {
    const w = new PrototypeWatch();
    w.snapshot();
    expect(w.changes()).toEqual([]);
    Object.defineProperty(Object.prototype, 'sentinelTestA', { value: 1, configurable: true });
    expect(w.changes()).toEqual([{ proto: 'Object.prototype', keys: ['sentinelTestA'] }]);
    expect(w.changes()).toEqual([]);
  });

  it('follows deletions, so a later addition is still seen', () => {
    const w = new PrototypeWatch();
    Object.defineProperty(Object.prototype, 'sentinelTestA', { value: 1, configurable: true });
    w.snapshot();
    Reflect.deleteProperty(Object.prototype, 'sentinelTestA');
    expect(w.changes()).toEqual([]);
    Object.defineProperty(Object.prototype, 'sentinelTestB', { value: 1, configurable: true });
    expect(w.changes()).toEqual([{ proto: 'Object.prototype', keys: ['sentinelTestB'] }]);
  });
});

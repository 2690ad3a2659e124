/** The last `capacity` samples of a measure (e.g. INVOKE turnaround), for a p50/p99 at shutdown. Fixed memory. */
export class SampleWindow {
  private readonly buf: Float64Array;
  private n = 0;
  constructor(readonly capacity = 1024) {
    this.buf = new Float64Array(capacity);
  }
  add(v: number): void {
    this.buf[this.n % this.capacity] = v;
    this.n++;
  }
  summary(): { count: number; p50?: number; p99?: number; max?: number } {
    const len = Math.min(this.n, this.capacity);
    if (len === 0) return { count: 0 };
    const s = Array.from(this.buf.subarray(0, len)).sort((a, b) => a - b);
    const q = (p: number) => round(s[Math.min(len - 1, Math.floor(p * (len - 1) + 0.5))]);
    return { count: this.n, p50: q(0.5), p99: q(0.99), max: round(s[len - 1]) };
  }
}
const round = (v: number) => Math.round(v * 1000) / 1000;

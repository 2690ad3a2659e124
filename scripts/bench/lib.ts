/**
 * Benchmark helpers: budgets are ratios measured side by side in one run, never absolute timings in tests.
 * Runs alternate baseline and subject so drift (thermal, other load) hits both equally.
 */
export interface Stats {
  median: number;
  min: number;
  max: number;
  p99: number;
  samples: number;
}

export interface BenchResult {
  name: string;
  unit: string;
  baseline?: Stats;
  subject: Stats;
  /** subject.median / baseline.median when there is a baseline. */
  ratio?: number;
  /** For single-sided measures (e.g. p99 turnaround): the value compared with the target. */
  value?: number;
  target?: string;
  pass?: boolean;
  notes?: string;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { median: q(0.5), min: s[0], max: s[s.length - 1], p99: q(0.99), samples: s.length };
}

/** Runs baseline and subject alternately `rounds` times and compares medians. */
export async function sideBySide(
  name: string,
  unit: string,
  rounds: number,
  baseline: () => Promise<number> | number,
  subject: () => Promise<number> | number,
  maxRatio?: number,
): Promise<BenchResult> {
  const b: number[] = [];
  const s: number[] = [];
  // The order alternates every round, so neither side always runs right after the other (warm caches, a busy
  // neighbour, a GC the previous run left behind).
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      b.push(await baseline());
      s.push(await subject());
    } else {
      s.push(await subject());
      b.push(await baseline());
    }
  }
  const bs = stats(b);
  const ss = stats(s);
  const ratio = ss.median / bs.median;
  return {
    name,
    unit,
    baseline: bs,
    subject: ss,
    ratio,
    target: maxRatio === undefined ? undefined : `≤ ${maxRatio}×`,
    pass: maxRatio === undefined ? undefined : ratio <= maxRatio,
  };
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * SENTINEL_EGRESS_ALLOW matching: `*` (everything), exact hosts, `*.suffix` wildcards (subdomains at any depth,
 * not the apex), IP literals and CIDRs (v4/v6, matched against the connected IP or an IP-literal host).
 * Lists are compiled once per array instance and cached, so the per-call cost is a few comparisons.
 */
import { type Cidr, cidrContains, parseCidr, parseIpLoose } from './ip';

interface CompiledAllow {
  all: boolean;
  exact: Set<string>;
  suffixes: string[]; // ".example.com"
  cidrs: Cidr[];
}

const cache = new WeakMap<readonly string[], CompiledAllow>();

export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

export function compileAllow(allow: readonly string[]): CompiledAllow {
  const hit = cache.get(allow);
  if (hit) return hit;
  const c: CompiledAllow = { all: false, exact: new Set(), suffixes: [], cidrs: [] };
  for (const raw of allow) {
    if (typeof raw !== 'string') continue;
    const e = raw.trim().toLowerCase();
    if (!e) continue;
    if (e === '*') c.all = true;
    else if (e.startsWith('*.')) c.suffixes.push(normalizeHost(e.slice(1)));
    else {
      const cidr = e.includes('/') || parseIpLoose(e) ? parseCidr(e) : undefined;
      if (cidr) c.cidrs.push(cidr);
      else c.exact.add(normalizeHost(e));
    }
  }
  cache.set(allow, c);
  return c;
}

export function matchesEgressAllow(host: string, ip: string | undefined, allow: readonly string[]): boolean {
  const c = compileAllow(allow);
  if (c.all) return true;
  const h = typeof host === 'string' ? normalizeHost(host) : '';
  if (h && c.exact.has(h)) return true;
  if (h) for (const s of c.suffixes) if (h.length > s.length && h.endsWith(s)) return true;
  if (c.cidrs.length > 0) {
    const p = (ip && parseIpLoose(ip)) || (h ? parseIpLoose(h) : undefined);
    if (p) for (const cidr of c.cidrs) if (cidrContains(cidr, p)) return true;
  }
  return false;
}

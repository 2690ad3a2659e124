/**
 * IP literal parsing and classification, without DNS and without regexes.
 *
 * `parseIpLoose` accepts every spelling that an HTTP client, `inet_aton` or the WHATWG URL parser turns into an
 * address (2130706433, 0x7f.1, 017700000001, 127.1, [::ffff:127.0.0.1], ::ffff:7f00:1, fe80::1%eth0), because
 * SSRF payloads use exactly those spellings to slip past naive string checks. IPv4-mapped IPv6 addresses are
 * returned as their IPv4 address (family 4): that is where the packet goes.
 */

export type IpClass =
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'public';

export interface ParsedIp {
  ip: string;
  family: 4 | 6;
}

/** Strips `[...]`, a zone id, a trailing dot and ASCII case. */
function cleanHost(host: string): string {
  let h = host.trim();
  if (h.length > 2 && h.charCodeAt(0) === 91 /* [ */ && h.charCodeAt(h.length - 1) === 93 /* ] */) h = h.slice(1, -1);
  const zone = h.indexOf('%');
  if (zone > 0 && h.includes(':')) h = h.slice(0, zone);
  if (h.endsWith('.') && !h.includes(':')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/** Parses one inet_aton part: decimal, octal (leading 0) or hex (0x). Returns -1 when invalid. */
function parseV4Part(p: string): number {
  if (p.length === 0 || p.length > 40) return -1;
  let radix = 10;
  let i = 0;
  if (p.length >= 2 && p[0] === '0' && (p[1] === 'x' || p[1] === 'X')) {
    radix = 16;
    i = 2;
    if (p.length === 2) return 0; // WHATWG: "0x" alone is zero
  } else if (p.length >= 2 && p[0] === '0') {
    radix = 8;
    i = 1;
  }
  let n = 0;
  for (; i < p.length; i++) {
    const c = p.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    if (d >= radix) return -1;
    n = n * radix + d;
    if (n > 0xffffffff) return -1;
  }
  return n;
}

/** inet_aton / WHATWG IPv4 parsing: 1–4 parts, the last part fills the remaining bytes. */
export function parseIpv4Loose(h: string): number | undefined {
  if (h.length === 0 || h.length > 64) return undefined;
  const parts = h.split('.');
  if (parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parseV4Part(p);
    if (n < 0) return undefined;
    nums.push(n);
  }
  const last = nums[nums.length - 1];
  for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return undefined;
  const restBytes = 5 - nums.length;
  if (last >= 256 ** restBytes) return undefined;
  let v = 0;
  for (let i = 0; i < nums.length - 1; i++) v += nums[i] * 256 ** (3 - i);
  return v + last;
}

export function formatIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Parses an IPv6 literal into 8 16-bit groups (embedded dotted IPv4 tail allowed). */
export function parseIpv6Groups(h: string): number[] | undefined {
  if (h.length < 2 || h.length > 64) return undefined;
  const dbl = h.indexOf('::');
  if (dbl !== -1 && h.indexOf('::', dbl + 1) !== -1) return undefined;
  const parseSide = (s: string): number[] | undefined => {
    if (s.length === 0) return [];
    const out: number[] = [];
    const chunks = s.split(':');
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i];
      if (i === chunks.length - 1 && c.includes('.')) {
        // Embedded IPv4 tail must be strict dotted-quad.
        const q = c.split('.');
        if (q.length !== 4) return undefined;
        let v = 0;
        for (const part of q) {
          if (part.length === 0 || part.length > 3) return undefined;
          let n = 0;
          for (let k = 0; k < part.length; k++) {
            const d = part.charCodeAt(k) - 48;
            if (d < 0 || d > 9) return undefined;
            n = n * 10 + d;
          }
          if (n > 255) return undefined;
          v = v * 256 + n;
        }
        out.push(Math.floor(v / 65536), v & 0xffff);
        continue;
      }
      if (c.length === 0 || c.length > 4) return undefined;
      let n = 0;
      for (let k = 0; k < c.length; k++) {
        const ch = c.charCodeAt(k);
        let d: number;
        if (ch >= 48 && ch <= 57) d = ch - 48;
        else if (ch >= 97 && ch <= 102) d = ch - 87;
        else return undefined;
        n = n * 16 + d;
      }
      out.push(n);
    }
    return out;
  };
  if (dbl === -1) {
    const g = parseSide(h);
    return g && g.length === 8 ? g : undefined;
  }
  const left = parseSide(h.slice(0, dbl));
  const right = parseSide(h.slice(dbl + 2));
  if (!left || !right || left.length + right.length > 7) return undefined;
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** RFC 5952 text form (lowercase, longest zero run compressed). */
export function formatIpv6(g: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number) => g.slice(a, b).map((x) => x.toString(16));
  if (bestStart === -1) return hex(0, 8).join(':');
  return `${hex(0, bestStart).join(':')}::${hex(bestStart + bestLen, 8).join(':')}`;
}

function isMapped(g: readonly number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

/**
 * Parses any IP spelling. Returns undefined for hostnames: a name that merely contains digits
 * (`127.0.0.1.nip.io`) is not an IP and must be judged on the address it resolves to.
 */
export function parseIpLoose(host: string): ParsedIp | undefined {
  if (typeof host !== 'string') return undefined;
  const h = cleanHost(host);
  if (h.includes(':')) {
    const g = parseIpv6Groups(h);
    if (!g) return undefined;
    if (isMapped(g)) return { ip: formatIpv4(g[6] * 65536 + g[7]), family: 4 };
    return { ip: formatIpv6(g), family: 6 };
  }
  const v = parseIpv4Loose(h);
  return v === undefined ? undefined : { ip: formatIpv4(v), family: 4 };
}

function inV4(v: number, base: number, bits: number): boolean {
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return (v & mask) >>> 0 === (base & mask) >>> 0;
}

const V4_RANGES: ReadonlyArray<readonly [number, number, IpClass]> = [
  [0x00000000, 8, 'unspecified'], // 0.0.0.0/8 "this network": 0.0.0.0 reaches local listeners on Linux
  [0x7f000000, 8, 'loopback'],
  [0x0a000000, 8, 'private'],
  [0xac100000, 12, 'private'],
  [0xc0a80000, 16, 'private'],
  [0xa9fe0000, 16, 'link_local'], // includes 169.254.169.254 (IMDS) and 169.254.170.2 (container credentials)
  [0x64400000, 10, 'cgnat'],
  [0xe0000000, 4, 'multicast'],
  [0xf0000000, 4, 'reserved'], // includes 255.255.255.255
  [0xc0000000, 24, 'reserved'], // 192.0.0.0/24 IETF protocol assignments
  [0xc0000200, 24, 'reserved'], // TEST-NET-1
  [0xc6336400, 24, 'reserved'], // TEST-NET-2
  [0xcb007100, 24, 'reserved'], // TEST-NET-3
  [0xc6120000, 15, 'reserved'], // benchmarking
];

function classifyV4(v: number): IpClass {
  for (const [base, bits, cls] of V4_RANGES) if (inV4(v, base, bits)) return cls;
  return 'public';
}

function classifyV6(g: readonly number[]): IpClass {
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
  if (isMapped(g)) return classifyV4(g[6] * 65536 + g[7]);
  // NAT64 well-known prefix 64:ff9b::/96 carries an IPv4 address: judge the destination.
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0)
    return classifyV4(g[6] * 65536 + g[7]);
  // 6to4 2002:V4ADDR::/48 likewise.
  if (g[0] === 0x2002) return classifyV4(g[1] * 65536 + g[2]);
  if ((g[0] & 0xffc0) === 0xfe80) return 'link_local';
  if ((g[0] & 0xfe00) === 0xfc00) return 'private'; // ULA, includes fd00:ec2::254 (IMDS over IPv6)
  if ((g[0] & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (g[0] === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return 'reserved'; // discard-only
  if (g.slice(0, 6).every((x) => x === 0)) return 'reserved'; // deprecated IPv4-compatible ::a.b.c.d
  return 'public';
}

/**
 * Classifies an address in any spelling `parseIpLoose` accepts. A string that is not an IP at all is
 * 'reserved' (never 'public'), so a caller that forgot to resolve a name errs on the safe side.
 */
export function classifyIp(ip: string): IpClass {
  const p = parseIpLoose(ip);
  if (!p) return 'reserved';
  if (p.family === 4) return classifyV4(parseIpv4Loose(p.ip)!);
  return classifyV6(parseIpv6Groups(p.ip)!);
}

/** True for the cloud metadata / container-credentials endpoints (IPv4 and IPv6). */
export function isMetadataIp(ip: string): boolean {
  const p = parseIpLoose(ip);
  if (!p) return false;
  return (
    p.ip === '169.254.169.254' || p.ip === '169.254.170.2' || p.ip === 'fd00:ec2::254' || p.ip === '169.254.170.23'
  );
}

/** A parsed CIDR (or single address) that can test membership of a parsed address. */
export interface Cidr {
  family: 4 | 6;
  /** IPv4: one 32-bit number; IPv6: 8 groups. */
  v4: number;
  v6: readonly number[];
  bits: number;
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const p = parseIpLoose(addr);
  if (!p) return undefined;
  const max = p.family === 4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const b = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return undefined;
    bits = Number(b);
    if (bits > max) return undefined;
  }
  if (p.family === 4) return { family: 4, v4: parseIpv4Loose(p.ip)!, v6: [], bits };
  return { family: 6, v4: 0, v6: parseIpv6Groups(p.ip)!, bits };
}

export function cidrContains(c: Cidr, ip: ParsedIp): boolean {
  if (c.family !== ip.family) return false;
  if (c.family === 4) return inV4(parseIpv4Loose(ip.ip)!, c.v4, c.bits);
  const g = parseIpv6Groups(ip.ip)!;
  let rest = c.bits;
  for (let i = 0; i < 8 && rest > 0; i++, rest -= 16) {
    const take = Math.min(16, rest);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((g[i] & mask) !== (c.v6[i] & mask)) return false;
  }
  return true;
}

/**
 * Outbound connections and requests: SSRF (input controls the host and the address is internal), Runtime API
 * access, egress outside the allow-list, mining-pool ports and hosts, DNS-over-HTTPS / DNS-over-TLS.
 *
 * Hostnames are judged on the address actually connected to (`target.ip`), never on how they look: a name that
 * merely contains digits (`127.0.0.1.nip.io`) is not an IP, and a public-looking name that resolves to 10.x is
 * internal (DNS rebinding). Without `ip`, only IP literals and `localhost` are classified.
 */
import { severityRank } from '../../../protocol/finding';
import type { InputString } from '../input/extract';
import { inputRef, MIN_INPUT_LENGTH } from './correlate';
import { matchesEgressAllow, normalizeHost } from './egress-allow';
import { classifyIp, type IpClass, isMetadataIp, type ParsedIp, parseIpLoose } from './ip';
import { redact } from './redact';
import type { Verdict } from './types';

export interface OutboundTarget {
  host: string;
  ip?: string;
  port: number;
  protocol: 'http' | 'https' | 'tcp' | 'tls' | 'dns';
  url?: string;
}

export interface OutboundOptions {
  egressAllow: readonly string[];
  /** AWS_LAMBDA_RUNTIME_API, e.g. `127.0.0.1:9001`. */
  runtimeApi?: string;
}

/** Stratum ports used by public mining pools (XMR, ETH/ETC, RVN …). */
export const MINING_PORTS: ReadonlySet<number> = new Set([
  3333, 3357, 4444, 5555, 7777, 10128, 10343, 14433, 14444, 20535, 20580, 45560, 45700,
]);
const MINING_HOST_WORDS = [
  'xmr',
  'monero',
  'nanopool',
  'minexmr',
  'supportxmr',
  'moneroocean',
  'nicehash',
  'hashvault',
  'c3pool',
  'herominers',
  'f2pool',
  '2miners',
  'ethermine',
  'miningpool',
  'pool.minergate',
  'cryptonight',
  'stratum',
];
/** Public DNS-over-HTTPS resolvers. */
export const DOH_HOSTS: ReadonlySet<string> = new Set([
  'dns.google',
  'dns.google.com',
  'cloudflare-dns.com',
  'mozilla.cloudflare-dns.com',
  'chrome.cloudflare-dns.com',
  'one.one.one.one',
  'security.cloudflare-dns.com',
  'family.cloudflare-dns.com',
  'dns.quad9.net',
  'dns9.quad9.net',
  'dns10.quad9.net',
  'dns11.quad9.net',
  'doh.opendns.com',
  'dns.adguard.com',
  'dns.adguard-dns.com',
  'doh.cleanbrowsing.org',
  'dns.nextdns.io',
  'doh.dns.sb',
  'dns.alidns.com',
  'doh.pub',
  'dns.controld.com',
  'freedns.controld.com',
  'doh.mullvad.net',
]);
const DOH_IPS: ReadonlySet<string> = new Set([
  '1.1.1.1',
  '1.0.0.1',
  '8.8.8.8',
  '8.8.4.4',
  '9.9.9.9',
  '149.112.112.112',
  '208.67.222.222',
  '208.67.220.220',
  '2606:4700:4700::1111',
  '2001:4860:4860::8888',
]);

function parseHostPort(s: string): { ip?: ParsedIp; host: string; port: number } | undefined {
  const t = s.trim();
  let host: string;
  let port: string;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close === -1) return undefined;
    host = t.slice(1, close);
    port = t.slice(close + 2);
  } else {
    const colon = t.lastIndexOf(':');
    if (colon === -1) return undefined;
    host = t.slice(0, colon);
    port = t.slice(colon + 1);
  }
  const p = Number(port);
  if (!Number.isInteger(p) || p <= 0 || p > 65535) return undefined;
  const h = normalizeHost(host);
  return { host: h, ip: parseIpLoose(h) ?? (h === 'localhost' ? { ip: '127.0.0.1', family: 4 } : undefined), port: p };
}

/** The host part of a URL-ish or host[:port] string, for comparing IP spellings. */
export function hostOfLoose(v: string): string {
  let s = v.trim();
  const scheme = s.indexOf('://');
  if (scheme !== -1 && scheme < 16) s = s.slice(scheme + 3);
  else if (s.startsWith('//')) s = s.slice(2);
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 92) {
      end = i;
      break;
    }
  }
  s = s.slice(0, end);
  const at = s.lastIndexOf('@');
  if (at !== -1) s = s.slice(at + 1);
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    return close === -1 ? s : s.slice(0, close + 1);
  }
  const colon = s.indexOf(':');
  if (colon !== -1 && s.indexOf(':', colon + 1) === -1) s = s.slice(0, colon);
  return s;
}

function isHostChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95;
}

/**
 * True when the input controls the host: the host appears in the input as a whole host token, or the
 * input's host part is another spelling of the same IP. An input that is only part of a host
 * (`api` for `api.example.com`) does not control it.
 */
export function inputControlsHost(value: string, host: string, hostIp: ParsedIp | undefined): boolean {
  if (value.length < MIN_INPUT_LENGTH) return false;
  const v = value.toLowerCase();
  if (host.length >= MIN_INPUT_LENGTH) {
    let from = 0;
    for (let n = 0; n < 16; n++) {
      const at = v.indexOf(host, from);
      if (at === -1) break;
      const j = at + host.length;
      const beforeOk = at === 0 || !isHostChar(v.charCodeAt(at - 1));
      let afterOk = j >= v.length || !isHostChar(v.charCodeAt(j));
      // A trailing root dot (`host.`) still ends the host.
      if (!afterOk && v.charCodeAt(j) === 46) afterOk = j + 1 >= v.length || !isHostChar(v.charCodeAt(j + 1));
      if (beforeOk && afterOk) return true;
      from = at + 1;
    }
  }
  if (hostIp) {
    const p = parseIpLoose(hostOfLoose(v));
    if (p && p.ip === hostIp.ip) return true;
  }
  return false;
}

const SSRF_SEVERITY: Record<IpClass, Verdict['severity'] | undefined> = {
  loopback: 'high',
  link_local: 'critical',
  private: 'high',
  cgnat: 'high',
  unspecified: 'high',
  reserved: 'high',
  multicast: 'medium',
  public: undefined,
};

export function detectOutbound(target: OutboundTarget, inputs: InputString[], opts: OutboundOptions): Verdict[] {
  const out: Verdict[] = [];
  if (!target || typeof target.host !== 'string') return out;
  const host = normalizeHost(target.host);
  const port = Number(target.port) || 0;
  const hostIp = parseIpLoose(host);
  let ip = (target.ip ? parseIpLoose(target.ip) : undefined) ?? hostIp;
  if (!ip && (host === 'localhost' || host.endsWith('.localhost'))) ip = { ip: '127.0.0.1', family: 4 };
  const cls = ip ? classifyIp(ip.ip) : undefined;
  // Built on first use: the common (benign) call allocates nothing for reporting.
  let shown: string | undefined;
  let det: Record<string, string | number | boolean> | undefined;
  const shownHostOf = () => {
    shown ??= redact(host, 80);
    return shown;
  };
  const detailsOf = () => {
    if (det) return det;
    det = { host: shownHostOf(), port, protocol: target.protocol };
    if (ip) det.ip = ip.ip;
    if (cls) det.addressClass = cls;
    if (target.url) det.url = redact(target.url, 200);
    return det;
  };

  // Runtime API: the same address (or 0.0.0.0/:: which reaches loopback listeners) and port.
  let runtimeApi = false;
  const api = opts.runtimeApi ? parseHostPort(opts.runtimeApi) : undefined;
  if (api && port === api.port) {
    const apiCls = api.ip ? classifyIp(api.ip.ip) : undefined;
    runtimeApi =
      ip !== undefined &&
      api.ip !== undefined &&
      (ip.ip === api.ip.ip || (cls === 'unspecified' && apiCls === 'loopback'));
    if (!ip && host === api.host) runtimeApi = true;
  }
  if (runtimeApi) {
    out.push({
      category: 'integrity',
      kind: 'runtime_api_access',
      severity: 'critical',
      confidence: 'high',
      title: `Connection to the Lambda Runtime API (${shownHostOf()}:${port})`,
      details: detailsOf(),
    });
  }

  // SSRF: the input chose the host and the destination is internal.
  if (cls && cls !== 'public' && target.protocol !== 'dns') {
    for (const inp of inputs) {
      if (!inputControlsHost(inp.value, host, hostIp ?? ip)) continue;
      const metadata = isMetadataIp(ip!.ip);
      const kind = runtimeApi ? 'runtime_api' : metadata ? 'metadata' : 'internal_address';
      out.push({
        category: 'ssrf',
        kind,
        severity: runtimeApi || metadata ? 'critical' : SSRF_SEVERITY[cls]!,
        confidence: 'high',
        title: `Event input ${redact(inp.path, 80)} sends a request to ${cls} address ${ip!.ip}`,
        input: inputRef(inp),
        details: detailsOf(),
      });
      break;
    }
  }

  // Egress allow-list: loopback stays inside the environment (Runtime API, extensions) and is judged above.
  if (cls !== 'loopback' && cls !== 'unspecified' && !matchesEgressAllow(host, ip?.ip, opts.egressAllow)) {
    const dns = target.protocol === 'dns';
    out.push({
      category: 'egress',
      kind: dns ? 'dns_not_allowed' : 'not_allowed',
      severity: dns ? 'low' : 'medium',
      confidence: 'high',
      title: `${dns ? 'DNS lookup of' : 'Outbound connection to'} ${shownHostOf()}${dns ? '' : `:${port}`}, outside SENTINEL_EGRESS_ALLOW`,
      details: detailsOf(),
    });
  }

  // Mining pools: well-known pool host words, or stratum ports to non-local addresses.
  if (cls !== 'loopback') {
    const word = MINING_HOST_WORDS.find((w) => host.includes(w));
    if (
      word ||
      (MINING_PORTS.has(port) && target.protocol !== 'dns' && target.protocol !== 'http' && target.protocol !== 'https')
    ) {
      out.push({
        category: 'resource_abuse',
        kind: 'mining_pool',
        severity: 'high',
        confidence: word ? 'high' : 'medium',
        title: `Connection to a likely mining pool ${shownHostOf()}:${port}`,
        details: detailsOf(),
      });
    }
  }

  // DNS over HTTPS / TLS hides lookups from DNS-level monitoring.
  const path = target.url ? urlPath(target.url) : '';
  const dohHost = DOH_HOSTS.has(host) || (ip !== undefined && DOH_IPS.has(ip.ip) && (port === 443 || path !== ''));
  const dohPath = path.startsWith('/dns-query') || path.startsWith('/resolve');
  if (target.protocol !== 'dns' && (dohHost || (dohPath && target.protocol === 'https'))) {
    out.push({
      category: 'egress',
      kind: 'doh',
      severity: 'medium',
      confidence: dohHost ? 'high' : 'medium',
      title: `DNS-over-HTTPS resolver ${shownHostOf()}`,
      details: detailsOf(),
    });
  } else if (port === 853 && (target.protocol === 'tls' || target.protocol === 'tcp')) {
    out.push({
      category: 'egress',
      kind: 'dot',
      severity: 'medium',
      confidence: 'medium',
      title: `DNS-over-TLS to ${shownHostOf()}:853`,
      details: detailsOf(),
    });
  }
  return out.sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

function urlPath(url: string): string {
  const scheme = url.indexOf('://');
  const rest = scheme === -1 ? url : url.slice(scheme + 3);
  const slash = rest.indexOf('/');
  return slash === -1 ? '' : rest.slice(slash).toLowerCase();
}

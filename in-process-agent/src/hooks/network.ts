/**
 * Outbound network hooks. The enforcement point is `net.Socket.prototype.connect`, which every TCP/TLS client
 * goes through (net/tls connect, http/https agents, undici and global fetch): it checks the target before the
 * connection starts and, for host names, checks the IP actually connected to on the socket's 'connect' event
 * (DNS rebinding) before any byte is written. http/https request/get and global fetch are wrapped too, for the
 * URL, headers and body (secret values leaving the function) and to fail in their own convention; requests
 * made with the npm `undici` package are seen through its diagnostics channel (report only).
 */
import type * as dnsT from 'node:dns';
import type * as httpT from 'node:http';
import type * as netT from 'node:net';
import { DEFAULT_EGRESS_ALLOW } from '../../../protocol/config';
import type { Frame } from '../context/stack';
import { attributeHere, captureFrames, isUnder } from '../context/stack';
import type { Agent } from '../core/agent';
import { lazy } from '../core/lazy';
import type { Verdict } from '../detectors/types';
import type { InputString } from '../input/extract';
import type { AnyFn } from './registry';

type Protocol = 'http' | 'https' | 'tcp' | 'tls' | 'dns';
export interface Target {
  host: string;
  ip?: string;
  port: number;
  protocol: Protocol;
  url?: string;
}

const DNS_FNS = [
  'lookup',
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCname',
  'resolveMx',
  'resolveNs',
  'resolveTxt',
  'resolveSrv',
] as const;

/** Set while an http(s) wrapper runs the original request synchronously: the socket hook then skips the
 *  pre-connect check already done (or applies its block decision). */
let pending: { protocol: Protocol; error?: Error } | undefined;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
export function isIpLiteral(h: string): boolean {
  return IPV4.test(h) || h.includes(':');
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** Hosts of AWS_ENDPOINT_URL(_*) count as AWS endpoints (the SDK's standard endpoint override). */
export function awsEndpointHosts(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!v || !(k === 'AWS_ENDPOINT_URL' || k.startsWith('AWS_ENDPOINT_URL_'))) continue;
    try {
      out.push(stripBrackets(new URL(v).hostname));
    } catch {
      /* not a URL: ignored */
    }
  }
  return out;
}

export class NetworkHooks {
  private readonly egressAllow: string[];
  private readonly runtimeApi: string | undefined;
  /** AWS's own endpoints: the default partitions plus the SDK's endpoint overrides. */
  private readonly awsEndpoints: string[];
  private readonly initMemo = new Map<string, unknown>();
  private lastOutbound:
    | {
        memo: Map<string, unknown>;
        host: string;
        port: number;
        protocol: Protocol;
        ip: string | undefined;
        dohPath: boolean;
        verdicts: Verdict[];
      }
    | undefined;
  /**
   * The Lambda runtime's own Runtime API client (the sandbox runtime's keep-alive `http.Agent`): its first request
   * is checked and attributed like any other; when that shows the runtime's directory as the caller, the agent
   * object is remembered and its later Runtime API requests (two per invocation) skip the checks and the stack
   * capture they would end in. Only user code that holds that private object could pass the same way; the
   * shared global agents are never remembered.
   */
  private readonly runtimeClients = new WeakSet<object>();
  private readonly judgedClients = new WeakSet<object>();

  constructor(private readonly agent: Agent) {
    this.egressAllow = [...agent.config.egressAllow, ...awsEndpointHosts(agent.env)];
    this.runtimeApi = agent.env.AWS_LAMBDA_RUNTIME_API || undefined;
    this.awsEndpoints = [...DEFAULT_EGRESS_ALLOW.split(','), ...awsEndpointHosts(agent.env)];
  }

  /**
   * The outbound verdicts depend on the target and the invocation's inputs only, so they are memoised per
   * invocation (findings are deduplicated per invocation anyway); tight request loops then cost a map lookup.
   */
  private outbound(t: Target, inputs: InputString[]): Verdict[] {
    // Outside invocations there are no inputs, so the verdicts depend on the target alone.
    const memo = this.agent.context.current()?.memo ?? this.initMemo;
    // The path matters only for the DoH check (`/dns-query`, `/resolve`): it splits the key where it may.
    const dohPath = t.url !== undefined && (t.url.includes('/dns-query') || t.url.includes('/resolve'));
    // A loop to one target repeats the last decision without building the key (same memo = same invocation).
    const last = this.lastOutbound;
    if (
      last !== undefined &&
      last.memo === memo &&
      last.host === t.host &&
      last.port === t.port &&
      last.protocol === t.protocol &&
      last.ip === t.ip &&
      last.dohPath === dohPath
    )
      return last.verdicts;
    const key = `out|${t.protocol}|${t.host}|${t.ip ?? ''}|${t.port}|${dohPath ? 'p' : ''}`;
    let v = memo.get(key) as Verdict[] | undefined;
    if (!v) {
      v = lazy().detectors.detectOutbound(t, inputs, {
        egressAllow: this.egressAllow,
        runtimeApi: this.runtimeApi,
      });
      if (memo.size < 256) memo.set(key, v);
    }
    this.lastOutbound = { memo, host: t.host, port: t.port, protocol: t.protocol, ip: t.ip, dohPath, verdicts: v };
    return v;
  }

  /**
   * Secret values in outbound data. The session token is what SigV4 sends to AWS in `x-amz-security-token`, so it
   * counts only when the destination is not an AWS endpoint; the secret access key never leaves legitimately.
   */
  private leak(data: string, host?: string): Verdict | undefined {
    if (this.agent.secrets.length === 0 || !data) return undefined;
    const toAws = host !== undefined && lazy().detectors.matchesEgressAllow(host, undefined, this.awsEndpoints);
    const secrets = toAws ? this.agent.secrets.filter((s) => s.name !== 'AWS_SESSION_TOKEN') : this.agent.secrets;
    return secrets.length > 0 ? lazy().detectors.detectSecretLeak(data, secrets) : undefined;
  }

  /** Checks a request-level target plus the data that leaves with it. */
  checkRequest(sink: string, t: Target, data: () => string): Error | undefined {
    return this.agent.check(
      sink,
      () => [t.url ?? `${t.host}:${t.port}`],
      (inputs) => {
        const out = this.outbound(t, inputs);
        // The request's text is built only when there are secret values to look for.
        if (this.agent.secrets.length === 0) return out;
        const leaked = this.leak(data(), t.host);
        return leaked ? [...out, leaked] : out;
      },
      { evalOrigin: true },
    );
  }

  installNet(net: typeof netT): void {
    const self = this;
    const agent = this.agent;
    const normalize = (net as unknown as { _normalizeArgs?: (a: unknown[]) => unknown[] })._normalizeArgs;
    agent.hooks.patch(
      net.Socket.prototype,
      'connect',
      'net.Socket.prototype.connect',
      (original) =>
        function (this: netT.Socket, ...a: unknown[]) {
          const p = pending;
          pending = undefined; // a nested connect (tls over a proxy socket) is checked on its own
          let err: Error | undefined = p?.error;
          try {
            const norm = Array.isArray(a[0]) ? (a[0] as unknown[]) : normalize ? normalize(a) : a;
            const o = (norm[0] ?? {}) as { host?: string; port?: number | string; path?: string };
            if (o.path === undefined && !err) {
              const host = stripBrackets(String(o.host ?? 'localhost'));
              const port = Number(o.port);
              const protocol: Protocol = p?.protocol ?? ((this as { encrypted?: boolean }).encrypted ? 'tls' : 'tcp');
              const literal = isIpLiteral(host);
              if (!p && agent.guard === 0) {
                const t: Target = { host, ip: literal ? host : undefined, port, protocol };
                err = agent.check(
                  `net.connect`,
                  () => [`${host}:${port}`],
                  (inputs) => self.outbound(t, inputs),
                  { evalOrigin: true },
                );
              }
              if (!err && !literal) self.checkConnectedIp(this, host, port, protocol);
            }
          } catch (e) {
            agent.internalError(e, 'net.connect');
          }
          if (err) {
            const e = err;
            process.nextTick(() => this.destroy(e));
            return this;
          }
          // The name resolution inside connect() belongs to this (already checked) connection, not to a DNS query
          // of the function's own: the dns hooks stand down meanwhile.
          agent.guard++;
          try {
            return original.apply(this, a);
          } finally {
            agent.guard--;
          }
        },
    );
  }

  /** After DNS: the address actually connected to (SSRF through names that resolve to internal addresses). */
  private checkConnectedIp(socket: netT.Socket, host: string, port: number, protocol: Protocol): void {
    const frames: Frame[] = captureFrames();
    socket.prependOnceListener('connect', () => {
      const ip = socket.remoteAddress;
      if (!ip) return;
      const t: Target = { host, ip, port, protocol };
      const err = this.agent.check(
        'net.connect',
        () => [`${host}:${port}`, ip],
        // The egress verdict was decided on the name before connecting; only address-based verdicts here.
        (inputs) => this.outbound(t, inputs).filter((v) => v.category !== 'egress'),
        { frames },
      );
      if (err) socket.destroy(err);
    });
  }

  private isRuntimeApi(t: Target): boolean {
    return this.runtimeApi !== undefined && `${t.host}:${t.port}` === this.runtimeApi;
  }

  /** True for a request of the runtime's own Runtime API client (see runtimeClients). */
  private isRuntimeClient(t: Target, client: unknown): boolean {
    return typeof client === 'object' && client !== null && this.runtimeClients.has(client) && this.isRuntimeApi(t);
  }

  /** The options object of a request through the runtime's own client to the Runtime API (no URL to parse). */
  private isRuntimeClientOptions(o: unknown): boolean {
    if (this.runtimeApi === undefined || typeof o !== 'object' || o === null || o instanceof URL) return false;
    const r = o as ReqOptions;
    if (typeof r.agent !== 'object' || r.agent === null || !this.runtimeClients.has(r.agent) || r.socketPath)
      return false;
    return `${stripBrackets(String(r.hostname || r.host || ''))}:${r.port}` === this.runtimeApi;
  }

  /** After the first (checked) Runtime API request through a private http.Agent: was it the runtime's? */
  private judgeRuntimeClient(t: Target, client: unknown, globalAgent: unknown): void {
    if (typeof client !== 'object' || client === null || client === globalAgent || !this.agent.roots.runtimeDir) return;
    if (this.judgedClients.has(client) || !this.isRuntimeApi(t)) return;
    this.judgedClients.add(client);
    const at = attributeHere();
    if (at.file && !at.evalFrame && isUnder(at.file, this.agent.roots.runtimeDir)) this.runtimeClients.add(client);
  }

  installHttp(mod: typeof httpT, protocol: 'http' | 'https'): void {
    const self = this;
    for (const fn of ['request', 'get'] as const) {
      this.agent.hooks.patch(
        mod,
        fn,
        `${protocol}.${fn}`,
        (original) =>
          function (this: unknown, ...args: unknown[]) {
            let err: Error | undefined;
            let checked = false;
            let runtime = false;
            let host = '';
            let a = args;
            if (self.agent.guard === 0) {
              try {
                a = ownRequestArgs(args);
              } catch (e) {
                self.agent.internalError(e, `${protocol}.${fn}`);
              }
            }
            if (self.agent.guard === 0 && self.isRuntimeClientOptions(a[0])) {
              // The runtime's own /next and /response calls (two per invocation): known client, nothing to judge.
              checked = true;
              runtime = true;
            } else if (self.agent.guard === 0) {
              try {
                const req = requestTarget(a, protocol);
                if (req) {
                  checked = true;
                  host = req.target.host;
                  runtime = self.isRuntimeClient(req.target, req.client);
                  if (!runtime) {
                    err = self.checkRequest(
                      `${protocol}.${fn}`,
                      req.target,
                      () => `${req.target.url ?? ''}\n${headerText(req.headers)}`,
                    );
                    if (!err) self.judgeRuntimeClient(req.target, req.client, mod.globalAgent);
                  }
                }
              } catch (e) {
                self.agent.internalError(e, `${protocol}.${fn}`);
              }
            }
            const prev = pending;
            pending = checked ? { protocol, error: err } : undefined;
            let result: httpT.ClientRequest;
            try {
              result = original.apply(this, a);
            } finally {
              pending = prev;
            }
            if (err) result.destroy(err);
            else if (checked && !runtime) self.watchBody(result, `${protocol}.${fn}`, host);
            return result;
          },
      );
    }
  }

  /** Secret values in the request body: checked on write/end, before the bytes leave. */
  private watchBody(req: httpT.ClientRequest, sink: string, host: string): void {
    if (this.agent.secrets.length === 0) return;
    const check = (chunk: unknown): Error | undefined => {
      if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk)) return undefined;
      const text = typeof chunk === 'string' ? chunk.slice(0, 65536) : chunk.subarray(0, 65536).toString('latin1');
      return this.agent.check(
        sink,
        () => ['<body>'],
        () => this.leak(text, host),
      );
    };
    const origWrite = req.write as AnyFn;
    const origEnd = req.end as AnyFn;
    req.write = function (this: httpT.ClientRequest, ...a: unknown[]) {
      const err = check(a[0]);
      if (err) {
        this.destroy(err);
        return false;
      }
      return origWrite.apply(this, a);
    } as typeof req.write;
    req.end = function (this: httpT.ClientRequest, ...a: unknown[]) {
      const err = typeof a[0] === 'function' ? undefined : check(a[0]);
      if (err) {
        this.destroy(err);
        return this;
      }
      return origEnd.apply(this, a);
    } as typeof req.end;
  }

  installFetch(g: typeof globalThis): void {
    const self = this;
    this.agent.hooks.patch(
      g,
      'fetch',
      'globalThis.fetch',
      (original) =>
        function fetch(this: unknown, ...a: unknown[]) {
          let err: Error | undefined;
          if (self.agent.guard === 0) {
            try {
              const r = fetchTarget(a[0], a[1]);
              if (r) err = self.checkRequest('fetch', r.target, r.data);
            } catch (e) {
              self.agent.internalError(e, 'fetch');
            }
          }
          if (err) return Promise.reject(err);
          return original.apply(this, a);
        },
    );
  }

  /**
   * DNS queries made by the function itself (`dns.lookup`, `dns.resolve*`, and their promise versions): names
   * outside the egress allow-list, DNS-over-HTTPS names and mining pools. Lookups inside a socket connect are part
   * of that connection and pass through.
   */
  installDns(dns: typeof dnsT): void {
    const check = (sink: string, host: unknown): Error | undefined => {
      if (this.agent.guard > 0 || typeof host !== 'string' || host === '') return undefined;
      const t: Target = { host: stripBrackets(host), port: 53, protocol: 'dns' };
      return this.agent.check(
        sink,
        () => [host],
        (inputs) => this.outbound(t, inputs),
        { evalOrigin: true },
      );
    };
    for (const fn of DNS_FNS) {
      this.agent.hooks.patch(
        dns,
        fn,
        `dns.${fn}`,
        (original) =>
          function (this: unknown, ...a: unknown[]) {
            const err = check(`dns.${fn}`, a[0]);
            if (err) {
              const cb = a[a.length - 1];
              if (typeof cb !== 'function') throw err;
              process.nextTick(cb as AnyFn, err);
              return undefined;
            }
            return original.apply(this, a);
          },
      );
      this.agent.hooks.patch(
        dns.promises,
        fn,
        `dns.promises.${fn}`,
        (original) =>
          function (this: unknown, ...a: unknown[]) {
            const err = check(`dns.promises.${fn}`, a[0]);
            if (err) return Promise.reject(err);
            return original.apply(this, a);
          },
      );
    }
  }

  /** npm undici (and Node's bundled undici) publish every request; report only (it is already under way). */
  subscribeUndici(dc: typeof import('node:diagnostics_channel')): void {
    dc.subscribe('undici:request:create', (message) => {
      try {
        const req = (message as { request?: { origin?: unknown; path?: unknown; headers?: unknown } }).request;
        if (!req || typeof req.origin !== 'string') return;
        const u = new URL(String(req.path ?? '/'), req.origin);
        const protocol = u.protocol === 'https:' ? 'https' : 'http';
        const t: Target = {
          host: stripBrackets(u.hostname),
          port: Number(u.port) || (protocol === 'https' ? 443 : 80),
          protocol,
          url: u.href,
        };
        const headers = Array.isArray(req.headers) ? req.headers.join('\n') : String(req.headers ?? '');
        this.agent.check(
          'undici.request',
          () => [u.href],
          (inputs) => [...this.outbound(t, inputs), this.leak(`${u.href}\n${headers}`, t.host)],
          {
            noBlock: true,
            evalOrigin: true,
          },
        );
      } catch (e) {
        this.agent.internalError(e, 'undici:request:create');
      }
    });
  }
}

function headerText(h: unknown): string {
  if (!h || typeof h !== 'object') return '';
  if (Array.isArray(h)) return h.join('\n');
  const parts: string[] = [];
  if (typeof (h as { forEach?: unknown }).forEach === 'function') {
    // Headers / Map
    (h as { forEach: (cb: (v: unknown, k: unknown) => void) => void }).forEach((v, k) => {
      parts.push(`${String(k)}: ${String(v)}`);
    });
    return parts.join('\n');
  }
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) parts.push(`${k}: ${String(v)}`);
  return parts.join('\n');
}

type ReqOptions = {
  protocol?: string;
  hostname?: string;
  host?: string;
  port?: number | string;
  path?: string;
  socketPath?: string;
  headers?: unknown;
  agent?: unknown;
};

/**
 * The options object of `http(s).request` as Node reads it: its own enumerable properties, copied once (Node does
 * `Object.assign({}, options)`). The hook checks the copy and passes the copy on, so inherited properties or a
 * getter that answers differently the second time cannot show the check one host and Node another.
 */
export function ownRequestArgs(a: unknown[]): unknown[] {
  const i = typeof a[0] === 'string' || a[0] instanceof URL ? 1 : 0;
  const o = a[i];
  if (typeof o !== 'object' || o === null || o instanceof URL) return a;
  const copy = a.slice();
  copy[i] = { ...o };
  return copy;
}

/**
 * http(s).request's three shapes: (url[, options][, cb]), (options[, cb]), resolved like Node does (options
 * override the URL's fields; `hostname || host`). Undefined for Unix sockets. Expects `ownRequestArgs` copies.
 */
export function requestTarget(
  a: readonly unknown[],
  defaultProtocol: 'http' | 'https',
): { target: Target; headers: unknown; client: unknown } | undefined {
  let url: URL | undefined;
  let opts: ReqOptions = {};
  if (typeof a[0] === 'string') url = new URL(a[0]);
  else if (a[0] instanceof URL) url = a[0];
  else if (a[0] && typeof a[0] === 'object') opts = a[0] as ReqOptions;
  if (url && a[1] && typeof a[1] === 'object') opts = a[1] as ReqOptions;
  if (opts.socketPath) return undefined;
  const protoStr = (opts.protocol || url?.protocol || `${defaultProtocol}:`).replace(/:$/, '');
  const protocol: 'http' | 'https' = protoStr === 'https' ? 'https' : 'http';
  const hostname = opts.hostname ?? url?.hostname;
  const host = stripBrackets(String(hostname || opts.host || url?.host || 'localhost'));
  const port = Number(opts.port || url?.port || (protocol === 'https' ? 443 : 80));
  const path = String(opts.path || (url ? `${url.pathname}${url.search}` : '/'));
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return {
    target: { host, port, protocol, url: `${protocol}://${hostForUrl}:${port}${path}` },
    headers: opts.headers,
    client: opts.agent,
  };
}

/** fetch(input, init): input is a string, URL or Request. */
export function fetchTarget(input: unknown, init: unknown): { target: Target; data: () => string } | undefined {
  let href: string | undefined;
  if (typeof input === 'string') href = input;
  else if (input instanceof URL) href = input.href;
  else if (input && typeof input === 'object' && typeof (input as { url?: unknown }).url === 'string')
    href = (input as { url: string }).url;
  if (!href) return undefined;
  const u = new URL(href);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const i = (init && typeof init === 'object' ? init : {}) as { headers?: unknown; body?: unknown };
  const headers =
    i.headers ?? (input && typeof input === 'object' ? (input as { headers?: unknown }).headers : undefined);
  return {
    target: {
      host: stripBrackets(u.hostname),
      port: Number(u.port) || (protocol === 'https' ? 443 : 80),
      protocol,
      url: u.href,
    },
    data: () => `${u.href}\n${headerText(headers)}\n${typeof i.body === 'string' ? i.body.slice(0, 65536) : ''}`,
  };
}

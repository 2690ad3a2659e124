/**
 * The runtime's own Runtime API client passes the http hooks without checks once its first request was attributed
 * to the runtime's directory; everyone else's Runtime API requests stay checked. The hooks go on a copy of the
 * http module whose `request` records calls, so nothing real is patched or connected.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentMessage } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import type { Finding } from '../../../protocol/finding';
import { Invocation } from '../context/invocation';
import { Agent } from '../core/agent';
import { NetworkHooks } from './network';

const RUNTIME_API = '127.0.0.1:9001';
let runtimeDir: string;
/** Stands in for the runtime's Runtime API client: a module inside the runtime's directory. */
let runtimeRequest: (mod: typeof http, agent: unknown) => { end: unknown };

beforeAll(() => {
  runtimeDir = mkdtempSync(join(tmpdir(), 'sentinel-runtime-'));
  const file = join(runtimeDir, 'client.js');
  writeFileSync(
    file,
    "module.exports = (mod, agent) => mod.request({ host: '127.0.0.1', port: 9001, path: '/2018-06-01/runtime/invocation/next', agent });\n",
  );
  runtimeRequest = require(file);
});
afterAll(() => rmSync(runtimeDir, { recursive: true, force: true }));

function setup() {
  const env = {
    AWS_LAMBDA_RUNTIME_API: RUNTIME_API,
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };
  const roots = { taskRoot: '/var/task', runtimeDir, layerRoot: '/opt', tmpDirs: ['/tmp'] };
  const agent = new Agent(parseConfig(env).config, roots, env);
  const sent: AgentMessage[] = [];
  agent.setSender((m) => sent.push(m));
  const originalEnd = () => undefined;
  const calls: unknown[] = [];
  const request = (...a: unknown[]) => {
    calls.push(a);
    return { write: () => true, end: originalEnd, destroy: () => undefined };
  };
  const mod = { ...http, request, get: request, globalAgent: new http.Agent() } as unknown as typeof http;
  new NetworkHooks(agent).installHttp(mod, 'http');
  const findings = () => sent.flatMap((m) => (m.t === 'finding' ? [m.finding as Finding] : []));
  // watchBody replaces `end` on checked requests (secret values in bodies): an untouched `end` means unchecked.
  const checked = (req: { end: unknown }) => req.end !== originalEnd;
  return { mod, calls, findings, checked };
}

describe('http hooks and the runtime’s own Runtime API client', () => {
  it('checks the first request of the runtime’s private agent, then lets its requests pass unchecked', () => {
    const { mod, calls, findings, checked } = setup();
    const runtimeAgent = new http.Agent({ keepAlive: true });
    expect(checked(runtimeRequest(mod, runtimeAgent))).toBe(true);
    expect(checked(runtimeRequest(mod, runtimeAgent))).toBe(false);
    expect(checked(runtimeRequest(mod, runtimeAgent))).toBe(false);
    expect(calls).toHaveLength(3);
    expect(findings()).toEqual([]); // the runtime reaching its own API is no finding
  });

  it('never trusts the shared global agent, even when the runtime uses it', () => {
    const { mod, findings, checked } = setup();
    expect(checked(runtimeRequest(mod, mod.globalAgent))).toBe(true);
    expect(checked(runtimeRequest(mod, mod.globalAgent))).toBe(true);
    expect(checked(runtimeRequest(mod, undefined))).toBe(true);
    expect(findings()).toEqual([]);
  });

  it('keeps reporting user code that reaches the Runtime API, with or without its own agent', () => {
    const { mod, findings, checked } = setup();
    const runtimeAgent = new http.Agent({ keepAlive: true });
    runtimeRequest(mod, runtimeAgent);
    const userAgent = new http.Agent({ keepAlive: true });
    for (const agent of [userAgent, userAgent, undefined]) {
      const req = mod.request({ host: '127.0.0.1', port: 9001, path: '/2018-06-01/runtime/invocation/next', agent });
      expect(checked(req as unknown as { end: unknown })).toBe(true);
    }
    expect(findings().map((f) => `${f.category}/${f.kind}`)).toContain('integrity/runtime_api_access');
  });

  it('does not trust a private agent whose first Runtime API request came from user code', () => {
    const { mod, checked } = setup();
    const agent = new http.Agent({ keepAlive: true });
    mod.request({ host: '127.0.0.1', port: 9001, path: '/x', agent });
    // Even if the runtime later used it, the agent was judged on its first request.
    expect(checked(runtimeRequest(mod, agent))).toBe(true);
    expect(checked(runtimeRequest(mod, agent))).toBe(true);
  });
});

describe('request options read as Node reads them', () => {
  function egressSetup() {
    const env = { SENTINEL_EGRESS_ALLOW: 'allowed.example.com' };
    const roots = { taskRoot: '/var/task', runtimeDir: '', layerRoot: '/opt', tmpDirs: ['/tmp'] };
    const agent = new Agent(parseConfig(env).config, roots, env);
    const sent: AgentMessage[] = [];
    agent.setSender((m) => sent.push(m));
    const passed: unknown[][] = [];
    const request = (...a: unknown[]) => {
      passed.push(a);
      return { write: () => true, end: () => undefined, destroy: () => undefined };
    };
    const mod = { ...http, request, get: request, globalAgent: new http.Agent() } as unknown as typeof http;
    new NetworkHooks(agent).installHttp(mod, 'http');
    const hosts = () =>
      sent.flatMap((m) => (m.t === 'finding' && m.finding.category === 'egress' ? [m.finding.title] : []));
    return { mod, passed, hosts };
  }

  it('an inherited hostname cannot show the check one host while Node connects to another', () => {
    const { mod, passed, hosts } = egressSetup();
    // Node copies own enumerable properties only: it ignores the inherited hostname and connects to `host`.
    const options = Object.create(
      { hostname: 'allowed.example.com' },
      {
        host: { value: 'evil.example.net', enumerable: true },
        path: { value: '/', enumerable: true },
      },
    );
    mod.request(options);
    expect(hosts().join('\n')).toContain('evil.example.net');
    // Node gets the copy that was checked.
    expect(Object.getPrototypeOf(passed[0][0])).toBe(Object.prototype);
    expect((passed[0][0] as { host: string }).host).toBe('evil.example.net');
  });

  it('a getter answering differently the second time is read once', () => {
    const { mod, passed, hosts } = egressSetup();
    let reads = 0;
    const options = {
      get hostname() {
        reads++;
        return reads === 1 ? 'allowed.example.com' : 'evil.example.net';
      },
      path: '/',
    };
    mod.request(options);
    expect(reads).toBe(1);
    expect((passed[0][0] as { hostname: string }).hostname).toBe('allowed.example.com');
    expect(hosts()).toEqual([]);
  });

  it('options override the URL, and hostname wins over host, as in Node', () => {
    const { mod, hosts } = egressSetup();
    mod.request('http://allowed.example.com/x', { host: 'evil.example.net' });
    // Node: hostname (from the URL) || host: the URL's hostname is where it connects.
    expect(hosts()).toEqual([]);
    mod.request('http://allowed.example.com/x', { hostname: 'evil.example.net' });
    expect(hosts().join('\n')).toContain('evil.example.net');
  });
});

describe('outbound verdict memo', () => {
  it('a DoH path on a host already seen in this invocation is still reported (the memo key covers the path)', () => {
    const env = { SENTINEL_EGRESS_ALLOW: 'api.example.com' };
    const roots = { taskRoot: '/var/task', runtimeDir: '', layerRoot: '/opt', tmpDirs: ['/tmp'] };
    const agent = new Agent(parseConfig(env).config, roots, env);
    const sent: AgentMessage[] = [];
    agent.setSender((m) => sent.push(m));
    const request = () => ({ write: () => true, end: () => undefined, destroy: () => undefined });
    const mod = { ...http, request, get: request, globalAgent: new http.Agent() } as unknown as typeof http;
    new NetworkHooks(agent).installHttp(mod, 'https');
    agent.context.run(new Invocation('r1', {}), () => {
      mod.request('https://api.example.com/v1/items');
      mod.request('https://api.example.com/dns-query?name=x.example');
    });
    const kinds = sent.flatMap((m) => (m.t === 'finding' ? [`${m.finding.category}/${m.finding.kind}`] : []));
    expect(kinds).toEqual(['egress/doh']);
  });
});

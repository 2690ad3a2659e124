/**
 * The tamper suite end to end (test/tamper): user code that tries to get around Sentinel, in the sandbox with the
 * built layer (exec wrapper), on the host's Node, in monitor and in block mode. Every case must end as documented
 * (detected / blocked / known limit); case-specific assertions check the raw material behind the verdicts. The
 * Node 20/22/24 matrix runs in `make eval`.
 */
import { execFileSync } from 'node:child_process';
import type { Finding } from '../../protocol/finding';
import { availableRuntimes, nodeBinary, type RuntimeMajor } from '../../scripts/lib/runtimes';
import { permissionModelIn, runTamperDetails, type TamperDetail } from '../tamper';
import { CASES } from '../tamper/cases';
import { agentLayer } from './helpers/agent-sandbox';

jest.setTimeout(300_000);

const ONLY = process.env.TAMPER_ONLY ? process.env.TAMPER_ONLY.split(',') : undefined;
/** The host's Node by default; TAMPER_NODE=22|24 runs the suite on another runtime of the matrix (by hand). */
const NODE = (() => {
  const major = Number(process.env.TAMPER_NODE ?? 0) as RuntimeMajor;
  const node = major ? nodeBinary(major) : process.execPath;
  if (!node) throw new Error(`Node ${major} is not installed (make runtimes)`);
  return { node, version: major ? execFileSync(node, ['--version'], { encoding: 'utf8' }).trim() : process.version };
})();

async function suite(mode: 'monitor' | 'block'): Promise<Map<string, TamperDetail>> {
  const layer = agentLayer();
  try {
    const results = await runTamperDetails({
      layerDir: layer.dir,
      node: NODE.node,
      nodeVersion: NODE.version,
      mode,
      only: ONLY,
    });
    if (process.env.SENTINEL_E2E_DEBUG)
      for (const r of results)
        console.log(
          JSON.stringify({
            mode,
            id: r.id,
            outcome: r.outcome,
            expected: r.expected,
            findings: r.findings,
            note: r.note,
            responses: r.run.responses.map((x) => x.response ?? x.error),
            marker: r.run.marker,
            logs:
              process.env.SENTINEL_E2E_DEBUG === '2'
                ? r.run.report.functionLogs.map((l) => l.line).slice(0, 30)
                : undefined,
          }),
        );
    return new Map(results.map((r) => [r.id, r]));
  } finally {
    layer.cleanup();
  }
}

type Mode = 'monitor' | 'block';
const ck = (f: Finding) => `${f.category}:${f.kind}`;
const of = (d: TamperDetail, kind: string) => d.run.findings.filter((f) => ck(f) === kind);
interface Attempt {
  ok: boolean;
  code?: string;
}
/** The shapes the attack functions answer with (test/tamper/function). */
interface Resp {
  [k: string]: unknown;
  sameObject: Record<string, boolean>;
  spawn: Attempt;
  read: Attempt;
  internalModule: Attempt;
  linked: Attempt;
  posted: Attempt;
  answered: string;
  killed: Attempt[];
  copy: Attempt;
  written: number;
}
const resp = (d: TamperDetail, i = 0) => d.run.responses[i]?.response as Resp;
const blockedSpawn = (d: TamperDetail) =>
  expect(resp(d).spawn).toMatchObject({ ok: false, code: 'ERR_SENTINEL_BLOCKED' });

/** What lies behind each verdict: the raw responses, findings and effects of the case. */
const CHECKS: Record<string, (d: TamperDetail, mode: Mode) => void> = {
  'require-cache-reload': (d, mode) => {
    // Every loader entry point hands out the same (hooked) module object.
    expect(Object.values(resp(d).sameObject)).toEqual([true, true, true, true, true]);
    if (mode === 'block') blockedSpawn(d);
    else expect(d.run.marker).toBeDefined();
  },
  'module-load-swap': (d) => {
    expect(of(d, 'integrity:hook_replaced').map((f) => f.details?.hook)).toContain('Module._load');
  },
  'childprocess-class': (d, mode) => {
    const f = of(d, 'exec_policy:not_allowed')[0];
    expect(f).toMatchObject({ sink: 'child_process.spawn', blocked: mode === 'block' });
    expect(f?.args?.[0]).toMatch(/touch$/);
  },
  'hook-overwrite': (d) => {
    expect(of(d, 'integrity:hook_replaced').map((f) => f.details?.hook)).toEqual(
      expect.arrayContaining(['child_process.exec', 'fs.readFileSync']),
    );
  },
  'tostring-spoof': (d) => {
    // Identity, not source text, is what the hook check compares; the hooks themselves do show JS source.
    expect(resp(d).hookLooksNative).toBe(false);
    expect(of(d, 'integrity:hook_replaced').map((f) => f.details?.hook)).toContain('fs.readFileSync');
  },
  fingerprint: (d) => {
    expect(resp(d)).toMatchObject({ globalSymbol: true, envMarker: true, nodeOptions: true, hookSourceVisible: true });
    expect(d.findings).toEqual([]);
  },
  'binding-spawn-sync': (d, mode) => {
    expect(of(d, 'integrity:process_binding')[0]).toMatchObject({
      details: { binding: 'spawn_sync' },
      blocked: mode === 'block',
      requestId: d.run.responses[0].requestId,
    });
    expect(d.run.marker !== undefined).toBe(mode === 'monitor');
  },
  'binding-fs-read': (d, mode) => {
    // The raw read itself is beneath the fs hooks: only the binding call is seen, never sensitive_file.
    expect(of(d, 'sensitive_file:proc_environ')).toEqual([]);
    if (mode === 'monitor') expect(Number(d.run.marker)).toBeGreaterThan(0);
    else expect(resp(d).read).toMatchObject({ ok: false, code: 'ERR_SENTINEL_BLOCKED' });
  },
  'internal-binding': (d) => {
    expect(resp(d).internalModule.ok).toBe(false);
    expect(resp(d).linked.ok).toBe(false);
    expect(of(d, 'integrity:process_binding')[0]).toMatchObject({ sink: 'process._linkedBinding' });
  },
  'dlopen-addon': (d, mode) => {
    expect(resp(d).copy).toMatchObject({ ok: true });
    expect(of(d, 'dropper:load_dropped_file')[0]).toMatchObject({ sink: 'process.dlopen', blocked: mode === 'block' });
    expect(String(of(d, 'dropper:load_dropped_file')[0]?.details?.file)).toMatch(/tamper-addon\.node$/);
  },
  'agent-api': (d, mode) => {
    expect(resp(d)).toMatchObject({ apiFound: true, agentReachable: false });
    if (mode === 'block') blockedSpawn(d);
  },
  'runtime-api-hijack': (d, mode) => {
    const f = of(d, 'integrity:runtime_api_access')[0];
    expect(f).toMatchObject({ requestId: d.run.responses[0].requestId, blocked: mode === 'block' });
    if (mode === 'monitor') expect(resp(d) as unknown).toBe('hijacked-response');
    else expect(resp(d).posted).toMatchObject({ ok: false, code: 'ERR_SENTINEL_BLOCKED' });
  },
  'child-env-drop': (d, mode) => {
    expect(of(d, 'exec_policy:not_allowed')[0]?.args).toContain('-e');
    expect(d.run.marker !== undefined).toBe(mode === 'monitor');
  },
  'child-node-allowed': (d) => {
    expect(d.run.marker).toBeDefined();
    expect(of(d, 'exec_policy:not_allowed')).toEqual([]);
  },
  'worker-thread': (d) => {
    expect(d.run.marker).toBeDefined();
    expect(of(d, 'exec_policy:not_allowed')).toEqual([]);
  },
  'tmp-dropper': (d) => {
    expect(String(of(d, 'dropper:dropped_file_exec')[0]?.details?.file)).toMatch(/tamper-dropper\.sh$/);
  },
  'tmp-dropper-fd-copy': (d) => {
    // The copy's destination is remembered as dropped, not only files written by name.
    expect(String(of(d, 'dropper:dropped_file_exec')[0]?.details?.file)).toMatch(/tamper-fd\.sh$/);
  },
  'tmp-dropper-shell': (d) => {
    expect(d.run.marker).toBeDefined();
    expect(d.run.findings.filter((f) => f.category === 'dropper')).toEqual([]);
  },
  'handler-swap': (d) => {
    // The runtime keeps calling the wrapper, which calls the handler loaded at init: the swap has no effect.
    expect(resp(d, 1)).toEqual({ step: 1 });
    expect(d.run.marker).toBeUndefined();
    expect(of(d, 'integrity:handler_swapped')[0]?.requestId).toBe(d.run.responses[0].requestId);
  },
  'console-swap': (d) => {
    expect(d.run.marker).toContain('processing');
  },
  'after-return': (d) => {
    // The timer keeps the invocation context it was created in: the finding names that invocation.
    expect(of(d, 'exec_policy:not_allowed')[0]?.requestId).toBe(d.run.responses[0].requestId);
  },
  'second-client': (d) => {
    expect(resp(d).answered).toContain('refused');
    expect(of(d, 'integrity:second_client')[0]).toMatchObject({ source: 'extension' });
  },
  'socket-flood': (d, mode) => {
    // Refusals are reported, rate-limited (a flood of them cannot flood the log), and the real finding still arrives.
    expect(of(d, 'integrity:second_client').length).toBeGreaterThanOrEqual(1);
    expect(of(d, 'integrity:second_client').length).toBeLessThanOrEqual(5);
    expect(of(d, 'exec_policy:not_allowed')[0]).toMatchObject({ blocked: mode === 'block' });
  },
  'findings-flood': (d) => {
    expect(of(d, 'integrity:process_binding').length).toBe(64);
    expect(of(d, 'agent:findings_dropped')).toHaveLength(1);
  },
  'config-tamper': (d, mode) => {
    expect(of(d, 'exec_policy:not_allowed')[0]).toMatchObject({ blocked: mode === 'block' });
  },
  'channel-forge': (d) => {
    expect(resp(d, 1).written).toBeGreaterThanOrEqual(1);
    // The forged frame arrived as if the agent had sent it: a finding with the attacker's title, from "the agent".
    expect(d.run.findings.find((f) => f.title === 'forged by the tamper suite')).toMatchObject({ source: 'agent' });
    expect(of(d, 'integrity:second_client')).toEqual([]);
  },
  'channel-hijack': (d, mode) => {
    // The witness notices: the invocation after the takeover ran without a heartbeat.
    expect(of(d, 'integrity:agent_silent').map((f) => f.requestId)).toContain(d.run.responses[1].requestId);
    // The agent still decides locally; only its reports are lost.
    if (mode === 'block') expect(resp(d, 1).spawn).toMatchObject({ ok: false, code: 'ERR_SENTINEL_BLOCKED' });
    else expect(d.run.markers('channel-hijack-after')).toBe(true);
    expect(of(d, 'exec_policy:not_allowed').filter((f) => f.requestId === d.run.responses[1].requestId)).toEqual([]);
  },
  'kill-extension': (d, mode) => {
    const errors = d.run.report.platformErrors.map((e) => e.errorType);
    if (mode === 'block') {
      // The kill is refused: the extension lives, no reset, the spawn is blocked and recorded.
      expect(resp(d).killed).toEqual([expect.objectContaining({ ok: false, code: 'ERR_SENTINEL_BLOCKED' })]);
      expect(errors).not.toContain('Extension.Crash');
      expect(d.run.report.inits.length).toBe(1);
      expect(of(d, 'exec_policy:not_allowed')[0]).toMatchObject({
        blocked: true,
        requestId: d.run.responses[0].requestId,
      });
    } else {
      expect(errors).toContain('Extension.Crash');
      // A second init after the reset, with the extension back.
      expect(d.run.report.inits.length).toBe(2);
    }
  },
};

describe.each(['monitor', 'block'] as const)(`tamper suite, %s mode (Node ${NODE.version})`, (mode) => {
  let r: Map<string, TamperDetail>;
  beforeAll(async () => {
    r = await suite(mode);
  });
  const get = (id: string): TamperDetail => {
    const d = r.get(id);
    if (!d) throw new Error(`case ${id} did not run`);
    return d;
  };

  it.each(CASES.filter((c) => !ONLY || ONLY.includes(c.id)).map((c) => [c.id]))('%s ends as documented', (id) => {
    const d = get(id);
    expect({ id, outcome: d.outcome, note: d.note }).toEqual({ id, outcome: d.expected, note: d.note });
    CHECKS[id]?.(d, mode);
  });

  it('every case has case-specific checks', () => {
    expect(CASES.map((c) => c.id).filter((id) => !CHECKS[id])).toEqual([]);
  });
});

/**
 * SENTINEL_HARDEN=true adds Node's permission model in the wrapper (Node >= 22.13): the cases it changes, on the
 * first such runtime of the matrix (monitor mode: what the hooks only report, the permission model refuses).
 */
const HARDENED = availableRuntimes()
  .map((r) => ({ ...r, version: execFileSync(r.node, ['--version'], { encoding: 'utf8' }).trim() }))
  .find((r) => permissionModelIn(r.version));
const HARDENED_CASES = ['worker-thread', 'binding-spawn-sync', 'dlopen-addon', 'child-env-drop', 'child-node-allowed'];

(HARDENED ? describe : describe.skip)(
  `tamper suite hardened (SENTINEL_HARDEN=true), monitor mode (${HARDENED?.version ?? 'no Node >= 22.13'})`,
  () => {
    let r: Map<string, TamperDetail>;
    beforeAll(async () => {
      const layer = agentLayer();
      try {
        const results = await runTamperDetails({
          layerDir: layer.dir,
          node: HARDENED!.node,
          nodeVersion: HARDENED!.version,
          mode: 'monitor',
          only: HARDENED_CASES,
          harden: true,
        });
        r = new Map(results.map((x) => [x.id, x]));
      } finally {
        layer.cleanup();
      }
    });

    it.each(HARDENED_CASES.map((id) => [id]))('%s ends as documented with the permission model', (id) => {
      const d = r.get(id)!;
      expect({ id, outcome: d.outcome, note: d.note }).toEqual({ id, outcome: d.expected, note: d.note });
    });

    it('the refusals come from the permission model, the allowed program still runs', () => {
      expect(JSON.stringify(r.get('worker-thread')!.run.responses)).toContain('ERR_ACCESS_DENIED');
      // The hook reports first (monitor), then Node refuses.
      expect(r.get('binding-spawn-sync')!.run.marker).toBeUndefined();
      expect(r.get('dlopen-addon')!.run.marker).toBeUndefined();
      expect(of(r.get('child-env-drop')!, 'exec_policy:permission_denied')).toHaveLength(1);
      // SENTINEL_EXEC_ALLOW=node grants child processes: the known limit stays.
      expect(r.get('child-node-allowed')!.run.marker).toBeDefined();
    });
  },
);

/**
 * The tamper cases: what each attempt is, which findings count as Sentinel seeing it (`category:kind`), the
 * expected outcome per mode and Node major, and — where the attempt gets through unseen — the documented reason
 * (the known limit, also listed in test/tamper/README.md and the README's threat model). The attack code itself
 * is in ./function (one handler, `event.case` picks the attack).
 */
import type { Finding } from '../../protocol/finding';
import type { EnvironmentReport, InvocationResult } from '../../scripts/sandbox/emulator';

export type Expected = 'detected' | 'blocked' | 'known_limit';
export type Outcome = Expected | 'missed';
export type Mode = 'monitor' | 'block';

export interface CaseRun {
  responses: InvocationResult[];
  /** Every finding the extension recorded (agent- and extension-made). */
  findings: Finding[];
  incidents: unknown[];
  /** Content of the case's marker file `tamper-<id>` in the environment's /tmp (the attack's effect), if any. */
  marker?: string;
  /** Whether the marker `tamper-<tag>` exists. */
  markers(tag: string): boolean;
  report: EnvironmentReport;
}

export interface TamperCase {
  id: string;
  title: string;
  /** Extra function environment for this case. */
  env?: Record<string, string>;
  /** Events after the first (merged over `{case: id, step: i}`); default one invoke. */
  steps?: Record<string, unknown>[];
  /** Pause after each invoke (work the attack leaves running in the background). */
  stepDelayMs?: number;
  /** `category:kind` of the findings that count as Sentinel seeing this attempt. */
  signals: string[];
  expect(o: { mode: Mode; major: number }): Expected;
  /** Whether the attack achieved its goal (default: its marker file exists). */
  effect?(run: CaseRun, o: { mode: Mode; major: number }): boolean;
  /** Why the attempt is not seen (a documented known limit), when it is not. */
  limit?(o: { mode: Mode; major: number }): string | undefined;
  /**
   * The outcome with SENTINEL_HARDEN=true where Node's permission model is active (default: as without it). No
   * SENTINEL_EXEC_ALLOW means no child processes at all; workers, `process.binding` and foreign addons are refused.
   */
  hardened?: Expected;
  /** Case-specific judgement instead of the generic one. */
  judge?(run: CaseRun, o: { mode: Mode; major: number }): { outcome: Outcome; note: string };
}

const byMode =
  (monitor: Expected, block: Expected) =>
  ({ mode }: { mode: Mode }): Expected =>
    mode === 'block' ? block : monitor;

const EXEC = 'exec_policy:not_allowed';
const responseOf = (run: CaseRun, i = 0) => run.responses[i]?.response as Record<string, unknown> | undefined;

export const CASES: TamperCase[] = [
  // ---- restoring original functions
  {
    id: 'require-cache-reload',
    hardened: 'blocked',
    title:
      'require.cache cleared, child_process re-required (require, node:, Module._load, createRequire, getBuiltinModule), then a spawn',
    signals: [EXEC],
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'module-load-swap',
    hardened: 'blocked',
    title: 'Module._load replaced by the attacker, child_process loaded through it, then a spawn',
    signals: [EXEC, 'integrity:hook_replaced'],
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'childprocess-class',
    hardened: 'blocked',
    title: 'new ChildProcess().spawn() — the class under child_process.spawn, bypassing the module functions',
    signals: [EXEC],
    // Closed: ChildProcess.prototype.spawn is hooked too (calls from the hooked module functions pass through).
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'hook-overwrite',
    title: 'child_process.exec and fs.readFileSync overwritten with attacker functions',
    signals: ['integrity:hook_replaced'],
    effect: (run) => responseOf(run)?.replaced === true,
    expect: () => 'detected',
  },
  {
    id: 'tostring-spoof',
    title: 'fs.readFileSync replaced and Function.prototype.toString spoofed so the replacement looks native',
    signals: ['integrity:hook_replaced'],
    effect: (run) => String(responseOf(run)?.spoofed).includes('[native code]'),
    expect: () => 'detected',
  },
  {
    id: 'fingerprint',
    title:
      'presence checks before acting (global symbol, SENTINEL_* variables, NODE_OPTIONS, hook source, /opt/extensions)',
    signals: [],
    effect: (run) => {
      const r = responseOf(run) ?? {};
      return Boolean(r.globalSymbol || r.envMarker || r.nodeOptions || r.hookSourceVisible);
    },
    expect: () => 'known_limit',
    limit: () =>
      'an in-process agent cannot hide: its variables, preload and global API are visible, so code can stay dormant where it is watched',
  },
  // ---- raw natives
  {
    id: 'binding-spawn-sync',
    hardened: 'blocked',
    title: "process.binding('spawn_sync').spawn() starts a process without child_process",
    signals: ['integrity:process_binding', EXEC],
    // Block mode refuses the raw-capability bindings to user code.
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'binding-fs-read',
    hardened: 'blocked',
    title: "process.binding('fs').readFileUtf8('/proc/self/environ') reads the environment file without the fs hooks",
    signals: ['integrity:process_binding', 'sensitive_file:proc_environ'],
    // Block mode refuses the raw-capability bindings to user code.
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'internal-binding',
    title: "internalBinding via --expose-internals at run time, require('internal/...'), process._linkedBinding",
    signals: ['integrity:process_binding'],
    // Node itself refuses: internalBinding is not reachable from user code (the effect cannot happen).
    effect: (run) => {
      const r = responseOf(run) as Record<string, { ok?: boolean }> | undefined;
      return Boolean(r?.internalModule?.ok || r?.linked?.ok);
    },
    expect: () => 'blocked',
  },
  {
    id: 'dlopen-addon',
    hardened: 'blocked',
    title: 'a native addon copied to /tmp and loaded with process.dlopen (no require, so no Module._load)',
    signals: ['dropper:load_dropped_file', 'module_load:tmp_module', 'module_load:native_addon'],
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'agent-api',
    hardened: 'blocked',
    title: "the agent's global API (Symbol.for('sentinel.agent')) used to switch the hooks off around a spawn",
    signals: [EXEC],
    // Closed: the symbol carries only what the shim needs (no agent state), so the guard cannot be reached.
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'config-tamper',
    hardened: 'blocked',
    title:
      'SENTINEL_MODE / SENTINEL_EXEC_ALLOW / SENTINEL_ALLOW / SENTINEL_AGENT_ACTIVE changed at run time, then a spawn',
    signals: [EXEC],
    // The configuration is read once at cold start.
    expect: byMode('detected', 'blocked'),
  },
  // ---- Runtime API
  {
    id: 'runtime-api-hijack',
    title: 'user code answers its own invocation through AWS_LAMBDA_RUNTIME_API, then waits in /next for later events',
    steps: [{}, { case: 'noop', secret: 'event-two' }],
    stepDelayMs: 100,
    signals: ['integrity:runtime_api_access', 'integrity:agent_silent'],
    // The caller got the attacker's answer instead of the handler's.
    effect: (run) => run.responses[0]?.response === 'hijacked-response',
    expect: byMode('detected', 'blocked'),
  },
  // ---- child processes outside the agent
  {
    id: 'child-env-drop',
    hardened: 'blocked',
    title: 'a child node with an environment without NODE_OPTIONS runs attacker code',
    signals: [EXEC],
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'child-node-allowed',
    title: 'the same where the allow-list permits node (SENTINEL_EXEC_ALLOW=node): the child runs unhooked',
    env: { SENTINEL_EXEC_ALLOW: 'node' },
    signals: [EXEC, 'code_injection:js_syntax'],
    expect: () => 'known_limit',
    limit: () =>
      'child processes are not hooked (the agent stays dormant in them); an allowed program does whatever its arguments say',
  },
  {
    id: 'worker-thread',
    hardened: 'blocked',
    title: 'a worker thread (eval: true) spawns a process',
    signals: [EXEC],
    expect: byMode('known_limit', 'known_limit'),
    limit: () => 'worker threads are not hooked: the agent runs in the main thread only',
  },
  // ---- /tmp droppers
  {
    id: 'tmp-dropper',
    title: 'a script written to /tmp, chmod +x, executed (SENTINEL_EXEC_ALLOW=*)',
    env: { SENTINEL_EXEC_ALLOW: '*' },
    signals: ['dropper:dropped_file_exec', 'dropper:exec_from_tmp'],
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'tmp-dropper-fd-copy',
    title: 'the dropper written through a file descriptor, copied to another name, executed (SENTINEL_EXEC_ALLOW=*)',
    env: { SENTINEL_EXEC_ALLOW: '*' },
    signals: ['dropper:dropped_file_exec', 'dropper:exec_from_tmp'],
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'tmp-dropper-shell',
    title: 'a shell writes the dropper to /tmp and runs it — no fs call in the function (SENTINEL_EXEC_ALLOW=*)',
    env: { SENTINEL_EXEC_ALLOW: '*' },
    signals: ['dropper:dropped_file_exec', 'dropper:exec_from_tmp', 'dropper:chmod_tmp'],
    expect: () => 'known_limit',
    limit: () =>
      'what a child shell writes and runs is not seen; with a program allowed (here `*`) the agent judges only the command line',
  },
  // ---- persistence in the warm environment
  {
    id: 'handler-swap',
    title: 'module.exports.handler reassigned so later invocations run the attacker handler',
    steps: [{}, { case: 'noop' }],
    signals: ['integrity:handler_swapped'],
    expect: () => 'blocked',
  },
  {
    id: 'console-swap',
    title: 'console.log replaced: later invocations log event data through attacker code',
    steps: [{}, { step: 1 }],
    signals: ['integrity:hook_replaced'],
    expect: () => 'known_limit',
    limit: () =>
      'console is not a guarded function (the runtime may legitimately patch it); only hooks and the handler are watched',
  },
  {
    id: 'after-return',
    hardened: 'blocked',
    title: 'a timer left behind spawns a process after the invocation returned',
    steps: [{}, { case: 'noop' }],
    stepDelayMs: 300,
    signals: [EXEC],
    expect: byMode('detected', 'blocked'),
  },
  // ---- the channel and the extension
  {
    id: 'second-client',
    title:
      'a second client connects to the findings channel and speaks for the agent (hello, forged heartbeat and finding)',
    signals: ['integrity:second_client'],
    effect: (run) => String(responseOf(run)?.answered ?? '').includes('welcome'),
    expect: () => 'blocked',
  },
  {
    id: 'socket-flood',
    hardened: 'blocked',
    title: '40 connections with oversize garbage and forged findings, then a spawn in the same invocation',
    signals: [EXEC],
    effect: (run) => run.marker !== undefined,
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'findings-flood',
    hardened: 'blocked',
    title: "200 distinct findings (process.binding('floodN')) to exhaust the per-invocation budget, then a spawn",
    signals: [EXEC],
    expect: byMode('detected', 'blocked'),
  },
  {
    id: 'channel-forge',
    // Forge in the second invocation: by then the agent's connection is long past its hello.
    steps: [{ case: 'noop' }, {}],
    title:
      "frames written on the agent's own channel connection (fd found through /proc/self/fd): forged finding and heartbeat",
    signals: ['integrity:second_client', 'integrity:agent_reconnected'],
    effect: (run) => run.findings.some((f) => f.title === 'forged by the tamper suite'),
    expect: () => 'known_limit',
    limit: () =>
      "the agent's connection is a file descriptor of the function's own process: frames written on it are indistinguishable from the agent's (forged findings and heartbeats are accepted)",
  },
  {
    id: 'channel-hijack',
    title:
      "socket path re-bound by the function, the agent's connection broken (oversize frame), its reconnect answered `refused`, then a spawn",
    steps: [{}, { case: 'spawn-probe', tag: 'channel-hijack-after' }],
    signals: ['integrity:agent_silent', 'integrity:agent_reconnected'],
    // The agent reached the attacker's server (its findings no longer reach the extension).
    effect: (run) => (run.marker ?? '').includes('agent connected'),
    expect: () => 'detected',
  },
  {
    id: 'kill-extension',
    title: 'the extension process found through /proc and SIGKILLed, then a spawn',
    steps: [{}, { case: 'spawn-probe', tag: 'kill-extension-after' }],
    signals: ['integrity:foreign_process_kill', EXEC],
    judge: (run) => {
      const crashed = run.report.platformErrors.some((e) => e.errorType === 'Extension.Crash');
      const kill = run.findings.filter((f) => `${f.category}:${f.kind}` === 'integrity:foreign_process_kill');
      if (!crashed) {
        return kill.some((f) => f.blocked)
          ? {
              outcome: 'blocked',
              note: 'process.kill of the extension refused; seen as agent:integrity:foreign_process_kill (blocked)',
            }
          : { outcome: 'missed', note: 'the extension survived but no refusal was recorded' };
      }
      const afterSeen = run.findings.some(
        (f) => `${f.category}:${f.kind}` === EXEC && f.requestId === run.responses[1]?.requestId,
      );
      const note = `extension killed: the platform reported Extension.Crash and reset the environment; the re-initialised environment ${afterSeen ? 'has Sentinel again (the next spawn was seen)' : 'did not report the next spawn'}; ${kill.length ? 'the kill was reported before the extension died' : 'the findings of the killing invocation died with the extension (a race)'}`;
      // Whether the kill report gets out before the extension dies is a race: not counted as seeing it.
      return { outcome: afterSeen ? 'known_limit' : 'missed', note };
    },
    // Monitor: the agent reports the kill, but the extension usually dies before it reads the finding.
    expect: byMode('known_limit', 'blocked'),
    limit: () =>
      'in monitor mode the extension can be killed by the function (same user); the platform then reports Extension.Crash and resets the environment, but what that invocation did is not recorded',
  },
];

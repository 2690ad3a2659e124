/**
 * Tampering with the guard itself (T12): `process.binding` / `process._linkedBinding` reached from user code
 * (they give access to the raw natives under the hooks), and hooks replaced after install (checked around
 * every invocation).
 */

import { captureFrames, firstUserFrame } from '../context/stack';
import type { Agent } from '../core/agent';
import { SentinelBlockedError } from '../policy/blocked-error';
import { describeReplacement } from '../posture/identity';

/**
 * Bindings that start processes, open sockets or touch files beneath every hook: in block mode user code gets
 * none of them (test/tamper binding-spawn-sync, binding-fs-read). Others (constants, util, natives...) are only
 * reported: old libraries still read them.
 */
const RAW_CAPABILITIES = new Set([
  'spawn_sync',
  'process_wrap',
  'tcp_wrap',
  'udp_wrap',
  'pipe_wrap',
  'stream_wrap',
  'tls_wrap',
  'cares_wrap',
  'fs',
  'fs_dir',
]);

export function installBindingHooks(agent: Agent): void {
  for (const key of ['binding', '_linkedBinding'] as const) {
    agent.hooks.patch(
      process,
      key,
      `process.${key}`,
      (original) =>
        function (this: unknown, ...a: unknown[]) {
          let blocked: SentinelBlockedError | undefined;
          if (agent.guard === 0) {
            try {
              const frames = captureFrames();
              // Node's own deprecated paths call it too; only user frames count.
              if (firstUserFrame(frames) && !frames[1]?.file.startsWith('node:')) {
                if (key === 'binding' && RAW_CAPABILITIES.has(String(a[0])) && agent.isBlocking('integrity'))
                  blocked = new SentinelBlockedError('integrity', agent.context.current()?.requestId, `process.${key}`);
                agent.reportVerdict(
                  {
                    category: 'integrity',
                    kind: 'process_binding',
                    severity: 'high',
                    confidence: 'medium',
                    title: `process.${key}('${String(a[0]).slice(0, 40)}') called by user code`,
                    details: { binding: String(a[0]).slice(0, 64) },
                  },
                  `process.${key}`,
                  [String(a[0])],
                  frames,
                  blocked !== undefined,
                );
              }
            } catch (e) {
              agent.internalError(e, `process.${key}`);
            }
          }
          if (blocked) throw blocked;
          return original.apply(this, a);
        },
    );
  }
}

/** Whether `pid` is this process or one it started (its parent chain in /proc reaches us within a few steps). */
function ownProcess(pid: number, readStat: (pid: number) => string | undefined): boolean {
  if (pid === process.pid) return true;
  let cur = pid;
  for (let depth = 0; depth < 8; depth++) {
    const stat = readStat(cur);
    // The target gone, or no /proc: nothing to judge. An ancestor we cannot read is not one of ours.
    if (stat === undefined) return depth === 0;
    // The command name may contain spaces and parentheses: fields resume after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid) return true;
    if (!(ppid > 1)) return false;
    cur = ppid;
  }
  return false;
}

/**
 * process.kill of a process the function did not start (the extension is a sibling of the runtime): reported,
 * refused in block mode (test/tamper kill-extension). Signal 0 (a liveness probe) and process groups pass.
 */
export function installKillHook(agent: Agent, readFile: (path: string) => string): void {
  const readStat = (pid: number) => {
    try {
      return readFile(`/proc/${pid}/stat`);
    } catch {
      return undefined;
    }
  };
  agent.hooks.patch(
    process,
    'kill',
    'process.kill',
    (original) =>
      function (this: unknown, ...a: unknown[]) {
        const pid = Number(a[0]);
        const signal = a[1] ?? 'SIGTERM';
        let blocked: SentinelBlockedError | undefined;
        if (agent.guard === 0 && Number.isInteger(pid) && pid > 0 && signal !== 0 && signal !== '0') {
          agent.guard++;
          try {
            if (!ownProcess(pid, readStat)) {
              const comm = (readStat(pid) ?? '').replace(/^\d+ \((.*)\) .*$/s, '$1').slice(0, 32);
              if (agent.isBlocking('integrity'))
                blocked = new SentinelBlockedError('integrity', agent.context.current()?.requestId, 'process.kill');
              agent.reportVerdict(
                {
                  category: 'integrity',
                  kind: 'foreign_process_kill',
                  severity: 'critical',
                  confidence: 'high',
                  title: `process.kill(${pid}, ${String(signal).slice(0, 16)}) of a process the function did not start (${comm})`,
                  details: { pid, signal: String(signal).slice(0, 16), command: comm },
                },
                'process.kill',
                [String(pid), String(signal).slice(0, 16)],
                undefined,
                blocked !== undefined,
              );
            }
          } catch (e) {
            agent.internalError(e, 'process.kill');
          } finally {
            agent.guard--;
          }
        }
        if (blocked) throw blocked;
        return original.apply(this, a);
      },
  );
}

/** Reports hooks that no longer hold the agent's wrapper (each once). */
export function verifyHooks(agent: Agent): void {
  for (const label of agent.hooks.replaced()) {
    // What replaced it (type, name, arity, native or the original put back, short source hash).
    let what: Record<string, string | number | boolean> = {};
    agent.guard++;
    try {
      const p = agent.hooks.patches.find((x) => x.label === label);
      if (p) what = describeReplacement((p.target as Record<PropertyKey, unknown>)[p.key], p.original);
    } catch (e) {
      agent.internalError(e, 'integrity.describe');
    } finally {
      agent.guard--;
    }
    agent.reportVerdict(
      {
        category: 'integrity',
        kind: 'hook_replaced',
        severity: 'critical',
        confidence: 'high',
        title: `Sentinel hook ${label} was replaced`,
        details: { hook: label, ...what },
      },
      'integrity',
      [label],
      [],
    );
  }
}

/**
 * Starts the agent once per runtime process and publishes its API on a global symbol, which the handler shim
 * (a separate bundle) uses: one agent state per process whichever bundle asks first.
 */
import * as path from 'node:path';
import { channelDir } from '../../../protocol/channel';
import { parseConfig } from '../../../protocol/config';
import { ChannelClient } from '../channel/client';
import type { Roots } from '../detectors/types';
import { installPreloadHandlerWrap } from '../handler/preload-wrap';
import { parseQuarantineVar } from '../handler/refusal';
import { type WrapOptions, wrapHandler } from '../handler/wrap';
import type { AnyFn } from '../hooks/registry';
import { AgentPosture } from '../posture';
import { AGENT_KEY, AGENT_VERSION, Agent } from './agent';
import { Installer } from './install';
import { shouldStart } from './should-start';

export type AttachMode = 'wrapper' | 'preload';

export interface AgentApi {
  agent: Agent;
  attach: AttachMode;
  /** Hooks every builtin now (the shim calls it before loading user code). */
  installAll(): void;
  /** Connects the channel (idempotent). */
  startChannel(): void;
  wrapHandler(fn: AnyFn, opts?: WrapOptions): AnyFn;
  version: string;
}

/**
 * What the global symbol carries: what the shim (a separate bundle) and the test probes need, never the agent's
 * state. User code can read any global; with the Agent object it could raise the re-entrancy guard and switch
 * every hook off unseen (test/tamper case `agent-api`).
 */
export interface PublicAgentApi {
  attach: AttachMode;
  version: string;
  installAll(): void;
  startChannel(): void;
  wrapHandler(fn: AnyFn, opts?: WrapOptions): AnyFn;
  /** Counters for diagnostics and tests. */
  stats(): { internalErrors: number; droppedFindings: number };
  /** Whether `fn` is one of the agent's hook wrappers (semantics probes). */
  isHooked(fn: unknown): boolean;
}

export { shouldStart } from './should-start';

export function rootsFrom(env: NodeJS.ProcessEnv, agentDir: string): Roots {
  const tmp = new Set<string>(['/tmp']);
  if (env.TMPDIR) tmp.add(path.resolve(env.TMPDIR));
  return {
    taskRoot: path.resolve(env.LAMBDA_TASK_ROOT || process.cwd()),
    runtimeDir: env.LAMBDA_RUNTIME_DIR ? path.resolve(env.LAMBDA_RUNTIME_DIR) : '',
    layerRoot: path.resolve(env.SENTINEL_LAYER_ROOT || path.resolve(agentDir, '..')),
    tmpDirs: [...tmp],
  };
}

export function getAgentApi(): PublicAgentApi | undefined {
  return (globalThis as Record<symbol, unknown>)[AGENT_KEY] as PublicAgentApi | undefined;
}

export function bootAgent(env: NodeJS.ProcessEnv = process.env): PublicAgentApi | undefined {
  const existing = getAgentApi();
  if (existing) return existing;
  if (!shouldStart(env)) return undefined;
  env.SENTINEL_AGENT_ACTIVE = String(process.pid);
  const attach: AttachMode = env.SENTINEL_HANDLER ? 'wrapper' : 'preload';
  const { config } = parseConfig(env);
  const agentDir = typeof __dirname === 'string' ? __dirname : process.cwd();
  const agent = new Agent(config, rootsFrom(env, agentDir), env);
  agent.quarantine = parseQuarantineVar(config.quarantine);
  if (config.posture) {
    try {
      agent.posture = new AgentPosture(agent, {
        attach,
        tmpDir: env.TMPDIR ? path.resolve(env.TMPDIR) : '/tmp',
        channelDir: channelDir(env),
      });
    } catch (e) {
      agent.internalError(e, 'posture');
    }
  }

  const channel = new ChannelClient({
    hello: {
      pid: process.pid,
      node: process.version,
      agentVersion: AGENT_VERSION,
      attach,
      handler: env.SENTINEL_HANDLER || env._HANDLER,
    },
    connect: (socket, p) => {
      agent.guard++;
      try {
        socket.connect(p);
      } finally {
        agent.guard--;
      }
    },
    onQuarantine: (q) => {
      agent.quarantine = q;
    },
    onError: (e) => agent.internalError(e, 'channel'),
  });
  agent.setSender(
    (m) => channel.send(m),
    (m) => channel.sendSoon(m),
  );
  agent.channelStats = () => ({ dropped: channel.dropped, queued: channel.queued });

  const installer = new Installer(agent);
  installer.installEager();
  agent.posture?.start();
  let channelStarted = false;
  const api: AgentApi = {
    agent,
    attach,
    version: AGENT_VERSION,
    installAll: () => installer.installAll(),
    startChannel: () => {
      if (channelStarted) return;
      channelStarted = true;
      agent.guard++;
      try {
        channel.start();
      } catch (e) {
        agent.internalError(e, 'channel.start');
      } finally {
        agent.guard--;
      }
    },
    wrapHandler: (fn, opts) => wrapHandler(agent, fn, opts),
  };
  const published: PublicAgentApi = Object.freeze({
    attach,
    version: AGENT_VERSION,
    installAll: api.installAll,
    startChannel: api.startChannel,
    wrapHandler: api.wrapHandler,
    stats: () => ({ internalErrors: agent.internalErrors, droppedFindings: agent.droppedFindings }),
    isHooked: (fn: unknown) => agent.hooks.patches.some((p) => p.wrapper === fn),
  });
  Object.defineProperty(globalThis, AGENT_KEY, {
    value: published,
    enumerable: false,
    configurable: false,
    writable: false,
  });

  if (attach === 'preload') {
    // No shim: hook everything now and wrap the handler when the runtime loads its module.
    api.installAll();
    api.startChannel();
    installPreloadHandlerWrap(api, env);
  }
  return published;
}

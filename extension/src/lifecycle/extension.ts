/**
 * Composition of the extension: config → log → findings channel (before register) → register → telemetry
 * subscription (before the first event/next) → event loop → shutdown. Returns the process exit code.
 *
 * Platform error calls, and when they are used:
 * - `init/error` `Extension.ConfigInvalid`: SENTINEL_STRICT_CONFIG=true and a SENTINEL_* value is invalid
 *   (the platform fails the init; without the strict switch the safe default applies and a finding is raised).
 * - `exit/error` `Extension.SentinelReset`: `PipelineContext.resetEnvironment` (the terminate action): the
 *   platform discards this execution environment; we exit right after.
 * Nothing else calls them: our own failures (no telemetry, no channel) degrade to monitoring with a log line and
 * a finding, because failing the customer's function is worse than a partial witness.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DestinationStream } from 'pino';
import { channelSocketPath, type QuarantineInfo } from '../../../protocol/channel';
import type { Finding } from '../../../protocol/finding';
import { loadConfig, redactedConfig } from '../config/load-config';
import { extensionFinding } from '../findings/extension-finding';
import { ChannelServer } from '../ingest/channel-server';
import { agentExpected, HeartbeatLedger } from '../ingest/heartbeat-ledger';
import { TelemetryAggregator } from '../ingest/telemetry-aggregator';
import { startTelemetryListener, type TelemetryListener } from '../ingest/telemetry-listener';
import { createLogger } from '../log/logger';
import { RateLimitedLog } from '../log/rate-limited-log';
import type { InvocationSummary, PipelineContext, Responder } from '../pipeline';
import { PostureMonitor } from '../posture/monitor';
import { createAwsClients } from '../record/aws';
import { preloadsOf } from '../selfcheck/node-options';
import { runSelfCheck } from '../selfcheck/selfcheck';
import { BoundedSet } from '../util/bounded-set';
import { Counters } from '../util/counters';
import { settleWithin } from '../util/timing';
import { TokenBucket } from '../util/token-bucket';
import { runEventLoop } from './event-loop';
import { ExtensionsApiClient } from './extensions-api';
import { guardResponder } from './guarded-responder';
import { parseLaunchArgs } from './launch-args';
import { RuntimeDoneWaiter } from './runtime-done-waiter';
import { SampleWindow } from './sample-window';

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  argv: readonly string[];
  /** Directory that plays `/opt` (the bundle lives in `<layerRoot>/sentinel/`). */
  layerRoot: string;
  makeResponder: (ctx: PipelineContext) => Responder;
  logDest?: DestinationStream;
  /** Ends the process after resetEnvironment (process.exit in production). */
  exit: (code: number) => void;
}

const MAX_PENDING_INVOKES = 64;
/** How long a missing agent heartbeat may trail the invocation's runtimeDone before it counts as silence. */
const HEARTBEAT_GRACE_MS = 1000;
const MAX_AWAITING_HEARTBEATS = 64;

export async function runExtension(o: RunOptions): Promise<number> {
  const { env } = o;
  const args = parseLaunchArgs(o.argv, env);
  const loaded = loadConfig(env);
  const { config } = loaded;
  const log = createLogger(config.logLevel, o.logDest);
  for (const e of loaded.errors)
    log.error(
      { evt: 'config_error', variable: e.variable, accepted: e.accepted },
      `${e.message}; accepted values: ${e.accepted}`,
    );
  const counters = new Counters();
  const warn = new RateLimitedLog(log);
  const pendingFindings: Finding[] = [...loaded.findings];
  let responder: Responder | undefined;
  const report = (f: Finding) => (responder ? responder.onFinding(f) : pendingFindings.push(f));

  const runtimeApi = env.AWS_LAMBDA_RUNTIME_API;
  if (!runtimeApi) {
    log.error({ evt: 'lifecycle', state: 'failed' }, 'AWS_LAMBDA_RUNTIME_API is not set: not running inside Lambda');
    return 1;
  }
  const api = new ExtensionsApiClient(runtimeApi);

  // Whether invocations must carry an agent heartbeat (cheap and synchronous: not part of the async self-check).
  const expectAgent = agentExpected(
    config.expectAgent,
    env.AWS_LAMBDA_EXEC_WRAPPER,
    preloadsOf(args.nodeOptions).map((p) => p.module),
  );

  // ---- telemetry → summaries, runtimeDone waits, silent-agent check
  const runtimeDone = new RuntimeDoneWaiter();
  const ledger = new HeartbeatLedger();
  const checked = new BoundedSet<string>(256);
  const silentBucket = new TokenBucket(1, 10);
  const pendingInvokes = new BoundedSet<string>(MAX_PENDING_INVOKES);
  let channel: ChannelServer | undefined;
  // Posture needs the registration's function name/version: created right after register; until then the agent's
  // hello pid and its posture record are kept here.
  let posture: PostureMonitor | undefined;
  let earlyHelloPid: number | undefined;
  let earlyAgentRecord: Record<string, unknown> | undefined;
  // Preload-only attach cannot wrap ES module handlers, so such an agent never sends heartbeats: there, silence only
  // counts once the agent has proved it can wrap this handler (it sent one heartbeat). An agent that never says
  // hello is still reported (missing or disabled).
  let preloadAttach = false;
  // A heartbeat can trail the platform's runtimeDone (the agent queues frames until the channel's welcome; a busy
  // extension event loop reads telemetry first). So a missing heartbeat is judged after a grace period, or at
  // SHUTDOWN, whichever comes first: a false `agent_silent` would terminate a healthy function.
  const awaitingHeartbeat = new Map<string, NodeJS.Timeout>();
  const checkHeartbeat = (requestId: string) => {
    if (!expectAgent || checked.has(requestId)) return;
    checked.add(requestId);
    if (ledger.has(requestId)) return;
    if (awaitingHeartbeat.size >= MAX_AWAITING_HEARTBEATS) judgeHeartbeat(awaitingHeartbeat.keys().next().value ?? '');
    const timer = setTimeout(() => judgeHeartbeat(requestId), HEARTBEAT_GRACE_MS);
    timer.unref();
    awaitingHeartbeat.set(requestId, timer);
  };
  const judgeHeartbeat = (requestId: string) => {
    const timer = awaitingHeartbeat.get(requestId);
    if (!timer) return;
    clearTimeout(timer);
    awaitingHeartbeat.delete(requestId);
    if (ledger.has(requestId)) {
      counters.inc('agent_late_heartbeats');
      return;
    }
    if (preloadAttach && ledger.size === 0) {
      counters.inc('agent_unwrapped_invocations');
      return;
    }
    counters.inc('agent_silent_invocations');
    if (!silentBucket.take()) return;
    report(
      extensionFinding({
        category: 'integrity',
        kind: 'agent_silent',
        severity: 'high',
        confidence: 'medium',
        title: 'An invocation ran without a heartbeat from the agent (agent missing, disabled or silenced)',
        phase: 'invoke',
        requestId,
        details: { agentConnected: channel?.connected ?? false },
      }),
    );
  };
  const summaries = new BoundedSet<string>(256);
  const aggregator = new TelemetryAggregator(
    {
      onRuntimeDone: (id) => {
        checkHeartbeat(id);
        runtimeDone.markDone(id);
      },
      onSummary: (s: InvocationSummary) => {
        checkHeartbeat(s.requestId);
        summaries.add(s.requestId);
        pendingInvokes.delete(s.requestId);
        responder?.onInvocation(s);
      },
    },
    undefined,
    counters,
  );
  const listenerP: Promise<TelemetryListener | undefined> = startTelemetryListener({
    onBatch: (b) => aggregator.ingestBatch(b),
    counters,
    warn,
  }).catch((e: Error) => {
    log.error({ evt: 'lifecycle', err: e.message }, 'telemetry listener could not start; continuing without telemetry');
    return undefined;
  });

  // ---- findings channel: must exist before we register (the runtime starts only after every extension registered)
  try {
    channel = await ChannelServer.start({
      socketPath: channelSocketPath(env),
      counters,
      warn,
      log,
      quarantine: parseQuarantine(config.quarantine),
      handlers: {
        onFinding: (f) => report(f),
        onTamper: (f) => report(f),
        onHeartbeat: (_kind, id) => ledger.record(id),
        onAgentStats: (s) => {
          if (s.dropped > 0 || s.internalErrors > 0)
            log.warn({ evt: 'agent_stats', ...s }, 'agent reports dropped findings or internal errors');
        },
        onRecord: (kind, data) => {
          if (kind !== 'agent_posture') log.debug({ kind }, 'agent record');
          else if (posture) posture.onAgentRecord(kind, data);
          else earlyAgentRecord ??= data;
        },
        onHello: (agent) => {
          preloadAttach = agent.attach === 'preload';
          if (posture) posture.onAgentHello(agent.pid);
          else earlyHelloPid = agent.pid;
        },
      },
    });
  } catch (e) {
    log.error(
      { evt: 'lifecycle', err: (e as Error).message },
      'findings channel could not be created; the agent cannot report',
    );
    report(
      extensionFinding({
        category: 'integrity',
        kind: 'channel_unavailable',
        severity: 'high',
        title: 'The findings channel could not be created (directory taken or not private)',
        phase: 'init',
        details: { error: (e as Error).message.slice(0, 200) },
      }),
    );
  }

  /** Closes every server and connection we opened (early exits, shutdown). */
  const release = async () => {
    await Promise.all([listenerP.then((l) => l?.close()), channel?.close()]);
    api.close();
  };

  // ---- register
  let reg: Awaited<ReturnType<ExtensionsApiClient['register']>>;
  try {
    reg = await api.register(args.name, ['INVOKE', 'SHUTDOWN']);
  } catch (e) {
    log.error({ evt: 'lifecycle', state: 'failed', err: (e as Error).message }, 'register failed');
    await release();
    return 1;
  }
  if (loaded.failInit) {
    const vars = loaded.errors.map((e) => e.variable).join(', ');
    log.error(
      { evt: 'lifecycle', state: 'init_error', variables: vars },
      'SENTINEL_STRICT_CONFIG: invalid configuration fails the init',
    );
    await settleWithin(api.initError('Extension.ConfigInvalid', `invalid Sentinel configuration: ${vars}`), 1000);
    await release();
    return 1;
  }

  const ctx: PipelineContext = {
    config,
    log,
    functionName: reg.functionName ?? env.AWS_LAMBDA_FUNCTION_NAME ?? 'unknown',
    functionVersion: reg.functionVersion ?? env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    accountId: reg.accountId,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    environmentId: randomUUID(),
    sendToAgent: (msg) => channel?.send(msg) ?? false,
    resetEnvironment: async (reason) => {
      log.error(
        { evt: 'lifecycle', state: 'reset', reason: reason.slice(0, 200) },
        'resetting this execution environment',
      );
      await settleWithin(api.exitError('Extension.SentinelReset', reason.slice(0, 200)), 1000);
      await release();
      o.exit(1);
    },
  };
  responder = guardResponder(o.makeResponder(ctx), counters, warn);
  for (const f of pendingFindings.splice(0)) responder.onFinding(f);
  if (config.posture) {
    const aws = createAwsClients(ctx.region);
    posture = new PostureMonitor({
      env,
      layerRoot: o.layerRoot,
      extensionName: args.name,
      functionName: ctx.functionName,
      functionVersion: ctx.functionVersion,
      environmentId: ctx.environmentId,
      config,
      log,
      report,
      expectAgent,
      ddb: aws.ddb,
      cloudwatch: aws.cloudwatch,
      lambda: aws.lambda,
    });
    if (earlyHelloPid !== undefined) posture.onAgentHello(earlyHelloPid);
    if (earlyAgentRecord) posture.onAgentRecord('agent_posture', earlyAgentRecord);
  }

  // ---- telemetry subscription: must happen before our first event/next
  const listener = await listenerP;
  let subscribed = false;
  if (listener) {
    try {
      const sub = await api.subscribeTelemetry(listener.uri);
      subscribed = sub.ok;
      if (!sub.ok)
        log.warn(
          { evt: 'lifecycle', status: sub.status, body: sub.body },
          'telemetry subscription refused; continuing without telemetry',
        );
    } catch (e) {
      log.warn(
        { evt: 'lifecycle', err: (e as Error).message },
        'telemetry subscription failed; continuing without telemetry',
      );
    }
  }

  log.info(
    {
      evt: 'lifecycle',
      state: 'ready',
      name: args.name,
      functionName: ctx.functionName,
      telemetry: subscribed,
      channel: channel !== undefined,
      expectAgent,
      sinceProcessStartMs: Math.round(performance.now()),
      config: redactedConfig(config),
    },
    'registered; entering the event loop',
  );

  // The self-check (file hashes) runs once our first event/next is on its way: off the cold-start path. With
  // on-demand init the first invocation is already waiting, so it completes at once; elsewhere it completes on thaw.
  setTimeout(() => {
    runSelfCheck({
      layerRoot: o.layerRoot,
      extensionName: args.name,
      nodeOptions: args.nodeOptions,
      execWrapper: env.AWS_LAMBDA_EXEC_WRAPPER,
      reportLayerModified: posture === undefined,
    }).then(
      (r) => {
        log.info({ evt: 'selfcheck', selfcheck: { ...r.record, agentExpected: expectAgent } }, 'cold-start self-check');
        for (const f of r.findings) responder?.onFinding(f);
      },
      (e: Error) => log.error({ evt: 'selfcheck', err: e.message }, 'self-check failed'),
    );
    // Posture (env exposure, manifest, code and runtime hashes) runs paced in the background from here on.
    posture?.start();
  }, 0);

  let releaseHold: (() => void) | undefined;

  const turnaround = new SampleWindow();
  let invocations = 0;
  try {
    await runEventLoop({
      next: () => api.next(),
      responder,
      runtimeDone: subscribed ? runtimeDone : undefined,
      runtimeDoneWaitMs: config.runtimeDoneWaitMs,
      urgentActionWaitMs: config.urgentActionWaitMs,
      log,
      turnaround,
      onInvoke: (id) => {
        invocations++;
        releaseHold?.();
        releaseHold = posture?.hold();
        if (subscribed && !summaries.has(id)) pendingInvokes.add(id);
      },
      onInvokeDone: () => {
        releaseHold?.();
        releaseHold = undefined;
        posture?.afterInvoke();
      },
      onShutdown: async (deadlineMs, reason) => {
        log.info(
          { evt: 'lifecycle', state: 'shutdown', reason, budgetMs: deadlineMs - Date.now() },
          'SHUTDOWN received',
        );
        // Late telemetry (reports of the last invocations) still arrives now; wait for it within a share of the budget.
        const drainUntil = Date.now() + Math.min(500, Math.max(0, (deadlineMs - Date.now()) * 0.25));
        while ((aggregator.hasOpenInvocations() || pendingInvokes.size > 0) && Date.now() < drainUntil) await sleep(10);
        aggregator.flush();
        for (const id of [...awaitingHeartbeat.keys()]) judgeHeartbeat(id);
        // Integrity re-check and the posture record first: their findings must reach the responder's flush.
        releaseHold?.();
        if (posture)
          await settleWithin(posture.shutdown(deadlineMs - 400), Math.max(0, (deadlineMs - Date.now()) * 0.4));
        const r = await settleWithin(
          responder?.shutdown(deadlineMs - 200) ?? Promise.resolve(),
          Math.max(0, deadlineMs - Date.now() - 150),
        );
        if (!r.ok)
          log.warn(
            { evt: 'lifecycle', reason: r.reason },
            'responder did not finish flushing before the shutdown deadline',
          );
        log.info(
          {
            evt: 'lifecycle',
            state: 'stopped',
            invocations,
            turnaroundMs: turnaround.summary(),
            counters: counters.snapshot(),
            remainingMs: deadlineMs - Date.now(),
          },
          'shutdown complete',
        );
        await release();
      },
    });
  } catch (e) {
    log.error({ evt: 'lifecycle', state: 'failed', err: (e as Error).message }, 'event loop failed');
    await release();
    return 1;
  }
  return 0;
}

function parseQuarantine(raw: string | undefined): QuarantineInfo | undefined {
  if (!raw) return undefined;
  try {
    const q = JSON.parse(raw) as Partial<QuarantineInfo>;
    return {
      incidentId: String(q.incidentId ?? 'unknown'),
      reason: String(q.reason ?? 'quarantined'),
      time: String(q.time ?? ''),
    };
  } catch {
    return { incidentId: 'unknown', reason: 'quarantined', time: '' };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

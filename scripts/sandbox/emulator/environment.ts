/**
 * One Lambda execution environment: its API server, processes and lifecycle (init → invoke* → shutdown, with
 * resets), following lambda-platform.md §0 and §2.5. Phases run one at a time on a lane; the caller of `invoke`
 * gets the function's answer as soon as the runtime posts it while the phase finishes in the background.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { type Agent, AgentRegistry, type LaunchedExtension } from './agents';
import {
  FUNCTION_VERSION,
  MAX_EXTENSIONS,
  MAX_PAYLOAD_BYTES,
  RUNTIME_SHUTDOWN_SHARE_INTERNAL_MS,
  SHUTDOWN_BUDGET_INTERNAL_ONLY_MS,
} from './constants';
import { discoverExtensions } from './discovery';
import { extensionEnvironment, logStreamName, runtimeEnvironment } from './env';
import type { ExtensionsApiHost, RegisterAnswer, RegisterRequest } from './extensions-api';
import type { ResolvedOptions } from './options';
import { ManagedProcess, type ProcessExit } from './process';
import {
  collectStructuredRecords,
  type EnvironmentReport,
  type ExtensionLogLine,
  type ExtensionRecord,
  type InitRecord,
  type InvocationError,
  type InvocationRecord,
  type InvocationResult,
  type LogLine,
  type PlatformError,
  type ShutdownRecord,
} from './report';
import type { HostAnswer, RuntimeApiHost, RuntimeErrorReport } from './runtime-api';
import { type Invocation, invalidState, type Outcome, RuntimeChannel } from './runtime-channel';
import { type ApiServer, startApiServer } from './server';
import { deferred, StateSignal, withTimeout } from './signal';
import { TelemetryHub } from './telemetry/hub';
import { validateSubscription } from './telemetry/subscription';

type Phase = 'uninitialized' | 'init' | 'ready' | 'invoke' | 'shutdown' | 'closed';
type ShutdownReason = 'spindown' | 'timeout' | 'failure';

interface Fatal {
  errorType: string;
  errorMessage: string;
}

export interface InvokeOptions {
  /** X-Ray trace header value (`Root=...;Parent=...;Sampled=1`). */
  traceId?: string;
  /** JSON string given to the runtime as `Lambda-Runtime-Client-Context`. */
  clientContext?: string;
  cognitoIdentity?: { cognitoIdentityId: string; cognitoIdentityPoolId: string };
  /** Send these exact bytes instead of JSON.stringify(event). */
  rawPayload?: Buffer | string;
}

const statusFor = (errorType: string): 'failure' | 'error' => (errorType.startsWith('Sandbox.') ? 'failure' : 'error');
const round = (ms: number) => Math.round(ms * 100) / 100;

export class ExecutionEnvironment implements RuntimeApiHost, ExtensionsApiHost {
  readonly instanceId = randomUUID();
  private readonly signal = new StateSignal();
  private readonly hub: TelemetryHub;
  private readonly agents = new AgentRegistry();
  private launched = new Map<string, LaunchedExtension>();
  private runtime: ManagedProcess | undefined;
  private readonly channel = new RuntimeChannel(() => this.signal.notify());
  private registrationOpen = false;
  private phase: Phase = 'uninitialized';
  private generation = 0;
  private fatal: Fatal | undefined;
  private reportedInitError: RuntimeErrorReport | undefined;
  private initAttempts = 0;
  private pendingInitDurationMs: number | undefined;
  private lane: Promise<void> = Promise.resolve();
  private readonly streamName = logStreamName();
  private functionEnv: Record<string, string> = {};

  private readonly inits: InitRecord[] = [];
  private readonly invocations: InvocationRecord[] = [];
  private readonly functionLogs: LogLine[] = [];
  private readonly extensionLogs: ExtensionLogLine[] = [];
  private readonly platformErrors: PlatformError[] = [];
  private readonly shutdowns: ShutdownRecord[] = [];
  private lastExtensions: ExtensionRecord[] = [];

  private constructor(
    private readonly opts: ResolvedOptions,
    private readonly server: ApiServer,
  ) {
    this.hub = new TelemetryHub(opts.logFormat);
  }

  static async start(opts: ResolvedOptions): Promise<ExecutionEnvironment> {
    let env: ExecutionEnvironment | undefined;
    const server = await startApiServer({
      runtime: () => env as ExecutionEnvironment,
      extensions: () => env as ExecutionEnvironment,
    });
    env = new ExecutionEnvironment(opts, server);
    return env;
  }

  /** `127.0.0.1:<port>`, the value of AWS_LAMBDA_RUNTIME_API. */
  get runtimeApi(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  get tmpDir(): string {
    return this.opts.tmpDir;
  }

  get initialized(): boolean {
    return this.phase === 'ready' || this.phase === 'invoke';
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Public lifecycle

  /** Runs the init phase now (otherwise the first invoke does it). */
  init(): Promise<InitRecord> {
    const done = deferred<InitRecord>();
    this.enqueue(async () => {
      if (this.initialized) return done.resolve(this.inits[this.inits.length - 1]);
      const phase = this.initAttempts === 0 ? 'init' : 'invoke';
      done.resolve(await this.runInit(phase, Date.now() + this.opts.initTimeoutMs));
    });
    return done.promise;
  }

  invoke(event: unknown, options: InvokeOptions = {}): Promise<InvocationResult> {
    const done = deferred<InvocationResult>();
    const payload =
      options.rawPayload !== undefined
        ? Buffer.from(options.rawPayload)
        : Buffer.from(JSON.stringify(event === undefined ? {} : event));
    const requested = performance.now();
    this.enqueue(() => this.runInvoke(payload, options, requested, done.resolve));
    return done.promise;
  }

  /** Resolves when every queued phase (including the background end of the last invoke) has finished. */
  async settled(): Promise<void> {
    let lane: Promise<void>;
    do {
      lane = this.lane;
      await lane;
    } while (lane !== this.lane);
  }

  /** Spins the environment down (SHUTDOWN with reason `spindown`) and closes its API server. */
  async shutdown(): Promise<EnvironmentReport> {
    this.enqueue(async () => {
      if (this.phase === 'closed') return;
      if (this.hasLiveProcesses()) await this.teardown('spindown');
      this.phase = 'closed';
      await this.server.close();
    });
    await this.settled();
    return this.report();
  }

  report(): EnvironmentReport {
    const o = this.opts;
    return {
      functionName: o.functionName,
      instanceId: this.instanceId,
      handler: o.handler,
      codeDir: o.codeDir,
      layerDir: o.layerDir,
      node: o.nodeBinary,
      nodeMajor: o.nodeMajor,
      runtime: o.runtime,
      tmpDir: o.tmpDir,
      inits: [...this.inits],
      invocations: [...this.invocations],
      functionLogs: [...this.functionLogs],
      extensionLogs: [...this.extensionLogs],
      platformEvents: this.hub.platformEvents(),
      platformErrors: [...this.platformErrors],
      telemetry: this.hub.subscriberReports(),
      shutdowns: [...this.shutdowns],
      extensions: this.currentExtensions().length > 0 ? this.currentExtensions() : this.lastExtensions,
      ...collectStructuredRecords(this.extensionLogs),
    };
  }

  private enqueue(fn: () => Promise<void>): void {
    this.lane = this.lane.then(fn).catch((err: unknown) => {
      this.platformError(
        'emulator',
        'Sandbox.EmulatorError',
        err instanceof Error ? (err.stack ?? err.message) : String(err),
      );
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Init phase (§2.5 doRuntimeDomainInit)

  private async runInit(phase: 'init' | 'invoke', deadline: number): Promise<InitRecord> {
    this.initAttempts += 1;
    this.generation += 1;
    this.fatal = undefined;
    this.reportedInitError = undefined;
    this.agents.clear();
    this.launched = new Map();
    this.channel.reset();
    this.registrationOpen = true;
    this.phase = 'init';
    this.hub.beginInit();
    this.functionEnv = this.resolveFunctionEnv();
    const t0 = performance.now();
    const o = this.opts;
    this.hub.platform('platform.initStart', {
      initializationType: 'on-demand',
      phase,
      functionName: o.functionName,
      functionVersion: FUNCTION_VERSION,
      instanceId: this.instanceId,
      instanceMaxMemory: o.memoryMb,
      runtimeVersion: `nodejs:${o.nodeMajor}.sandbox`,
    });

    const runtimeEnv = this.runtimeEnv();
    const extEnv = extensionEnvironment(runtimeEnv);
    for (const file of discoverExtensions(o.layerDir)) this.launchExtension(file.name, file.path, extEnv);

    const failure = (r: unknown): Fatal | undefined => {
      if (r === 'timeout') return { errorType: 'Sandbox.Timeout', errorMessage: 'init phase timed out' };
      if (this.reportedInitError) {
        const b = this.reportedInitError.body;
        return {
          errorType: this.reportedInitError.errorType,
          errorMessage: typeof b.errorMessage === 'string' ? b.errorMessage : JSON.stringify(b),
        };
      }
      return this.fatal;
    };
    const blocker = () => this.fatal ?? (this.reportedInitError ? 'runtime-init-error' : undefined);

    // 1. every launched extension registers before the runtime starts
    let r: unknown = await this.signal.until(
      () => blocker() ?? ([...this.launched.values()].every((l) => l.agent) && 'ok'),
      deadline,
    );
    // 2. runtime starts; its first /next closes registration
    if (r === 'ok') {
      this.startRuntime(runtimeEnv);
      r = await this.signal.until(() => blocker() ?? (this.channel.nextCalls > 0 && 'ok'), deadline);
    }
    // 3. every registered extension calls event/next
    if (r === 'ok')
      r = await this.signal.until(() => blocker() ?? (this.agents.all().every((a) => !a.busy) && 'ok'), deadline);

    // 4. subscriptions close; initRuntimeDone, platform.extension × n, initReport
    this.hub.closeSubscriptions();
    const durationMs = round(performance.now() - t0);
    const fail = r === 'ok' ? undefined : failure(r);
    const status = !fail ? 'success' : r === 'timeout' ? 'timeout' : statusFor(fail.errorType);
    const base = { initializationType: 'on-demand', phase };
    const errorPart = fail ? { errorType: fail.errorType } : {};
    this.hub.platform('platform.initRuntimeDone', { ...base, status, ...errorPart });
    for (const a of this.agents.all()) {
      this.hub.platform('platform.extension', { name: a.name, state: a.state, events: a.events });
    }
    this.hub.platform('platform.initReport', { ...base, status, ...errorPart, metrics: { durationMs } });
    const record: InitRecord = { phase, status, durationMs, ...(fail ? fail : {}) };
    this.inits.push(record);
    if (fail) {
      this.platformError('init', fail.errorType, fail.errorMessage);
      await this.teardown('failure');
    } else {
      this.phase = 'ready';
      this.pendingInitDurationMs = durationMs;
    }
    return record;
  }

  private resolveFunctionEnv(): Record<string, string> {
    // Like Lambda, a cold start reads the function's current configuration (the Lambda control-plane stand-in).
    const configured = this.opts.aws?.lambda.getFunction(this.opts.functionName)?.environment;
    return { ...(configured ?? this.opts.env) };
  }

  private runtimeEnv(): Record<string, string> {
    const o = this.opts;
    return runtimeEnvironment(
      {
        functionName: o.functionName,
        handler: o.handler,
        codeDir: o.codeDir,
        layerDir: o.layerDir,
        runtimeDir: o.runtimeDir,
        nodeBinary: o.nodeBinary,
        nodeMajor: o.nodeMajor,
        memoryMb: o.memoryMb,
        region: o.region,
        runtimeApi: this.runtimeApi,
        tmpDir: o.tmpDir,
        logFormat: o.logFormat,
        runtime: o.runtime,
        functionEnv: this.functionEnv,
        awsEnv: o.aws?.env ?? {},
      },
      this.streamName,
    );
  }

  private launchExtension(name: string, path: string, env: Record<string, string>): void {
    const ext: LaunchedExtension = { name, path, state: 'Started' };
    this.launched.set(name, ext);
    const generation = this.generation;
    try {
      accessSync(path, fsConstants.X_OK);
    } catch {
      ext.state = 'LaunchError';
      this.setFatal('Extension.LaunchError', `extension ${name} is not executable`);
      return;
    }
    ext.process = new ManagedProcess(path, [], {
      env,
      cwd: this.opts.layerDir ?? this.opts.codeDir,
      onLine: (stream, line) => {
        this.extensionLogs.push({ time: new Date().toISOString(), extension: name, stream, line });
        this.hub.log('extension', line);
      },
      onExit: (exit) => this.onExtensionExit(ext, exit, generation),
    });
  }

  private onExtensionExit(ext: LaunchedExtension, exit: ProcessExit, generation: number): void {
    ext.exit = { code: exit.code, signal: exit.signal };
    if (generation === this.generation && this.phase !== 'shutdown' && this.phase !== 'closed') {
      if (exit.spawnError) {
        ext.state = 'LaunchError';
        this.setFatal('Extension.LaunchError', `extension ${ext.name} could not be launched: ${exit.spawnError}`);
      } else {
        this.setFatal(
          'Extension.Crash',
          `extension ${ext.name} exited (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`})`,
        );
      }
    }
    this.signal.notify();
  }

  private startRuntime(env: Record<string, string>): void {
    const generation = this.generation;
    this.runtime = new ManagedProcess(this.opts.bootstrap, [], {
      env,
      cwd: this.opts.codeDir,
      onLine: (stream, line) => {
        const requestId = this.channel.current?.requestId;
        this.functionLogs.push({ time: new Date().toISOString(), stream, line, ...(requestId ? { requestId } : {}) });
        this.hub.log('function', line, requestId);
      },
      onExit: (exit) => {
        if (generation === this.generation && this.phase !== 'shutdown' && this.phase !== 'closed') {
          const how = exit.spawnError ?? (exit.signal ? `signal: ${exit.signal}` : `exit status ${exit.code}`);
          const rid = this.channel.current?.requestId;
          this.setFatal(
            'Runtime.ExitError',
            `${rid ? `RequestId: ${rid} ` : ''}Error: Runtime exited with error: ${how}`,
          );
        }
        this.signal.notify();
      },
    });
  }

  private setFatal(errorType: string, errorMessage: string): void {
    if (!this.fatal) {
      this.fatal = { errorType, errorMessage };
      // Between invokes nobody is waiting: reset now so the next invoke starts a fresh init.
      if (this.phase === 'ready') {
        this.platformError('idle', errorType, errorMessage);
        this.phase = 'shutdown';
        this.enqueue(() => this.teardown('failure'));
      }
    }
    this.signal.notify();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Invoke phase (§2.5 doInvoke)

  private async runInvoke(
    payload: Buffer,
    options: InvokeOptions,
    requested: number,
    respond: (r: InvocationResult) => void,
  ): Promise<void> {
    const o = this.opts;
    let answered = false;
    const elapsed = () => round(performance.now() - requested);
    const answer = (r: Omit<InvocationResult, 'durationMs'>): InvocationResult => {
      const full = { ...r, durationMs: elapsed() };
      if (!answered) respond(full);
      answered = true;
      return full;
    };
    const reject = (statusCode: number, errorType: string, errorMessage: string) => {
      const r = answer({ requestId: randomUUID(), statusCode, error: { errorType, errorMessage } });
      this.invocations.push({ ...r, status: 'rejected', errorType, coldStart: false });
    };
    if (this.phase === 'closed') return reject(410, 'Sandbox.Closed', 'the execution environment was shut down');
    if (payload.length > MAX_PAYLOAD_BYTES) {
      return reject(
        413,
        'RequestEntityTooLarge',
        `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
      );
    }
    if (o.aws?.lambda.getFunction(o.functionName)?.reservedConcurrency === 0) {
      return reject(429, 'TooManyRequestsException', 'Rate Exceeded.');
    }

    // The first invoke after an init (explicit or its own) is the cold start.
    const coldStart = !this.initialized || this.pendingInitDurationMs !== undefined;
    if (!this.initialized) {
      let init = await this.runInit(
        this.initAttempts === 0 ? 'init' : 'invoke',
        Date.now() + (this.initAttempts === 0 ? o.initTimeoutMs : o.timeoutMs),
      );
      // A failed on-demand init is retried inside the invoke under the function timeout ("suppressed init").
      if (init.status !== 'success' && init.phase === 'init')
        init = await this.runInit('invoke', Date.now() + o.timeoutMs);
      if (init.status !== 'success') {
        const errorType = init.errorType ?? 'Runtime.Unknown';
        const r = answer({
          requestId: randomUUID(),
          statusCode: 200,
          functionError: 'Unhandled',
          error: { errorType, errorMessage: init.errorMessage ?? 'init failed' },
        });
        this.invocations.push({ ...r, status: init.status, errorType, coldStart });
        return;
      }
    }
    const initDurationMs = this.pendingInitDurationMs;
    this.pendingInitDurationMs = undefined;

    const inv: Invocation = {
      requestId: randomUUID(),
      payload,
      deadlineMs: Date.now() + o.timeoutMs,
      invokedFunctionArn: this.functionArn(),
      traceId: options.traceId,
      clientContext: options.clientContext,
      cognitoIdentity: options.cognitoIdentity ? JSON.stringify(options.cognitoIdentity) : undefined,
      startedAt: performance.now(),
      startedIso: new Date().toISOString(),
      oversized: false,
      runtimeReturned: false,
    };
    const tracing = inv.traceId ? { tracing: { type: 'X-Amzn-Trace-Id', value: inv.traceId } } : {};
    this.phase = 'invoke';
    // Lambda releases INVOKE to the runtime and the extensions at the same time. This process does one thing at a
    // time: the runtime goes first, so the function's latency does not include the emulator serialising the
    // extensions' events and the telemetry (work that RAPID does on other threads).
    this.channel.release(inv);
    this.hub.platform('platform.start', { requestId: inv.requestId, version: FUNCTION_VERSION, ...tracing });
    for (const agent of this.agents.subscribedTo('INVOKE')) {
      this.agents.release(agent, {
        eventType: 'INVOKE',
        deadlineMs: inv.deadlineMs,
        requestId: inv.requestId,
        invokedFunctionArn: this.functionArn(),
        ...tracing,
      });
    }

    let runtimeDoneSent = false;
    let status = 'success';
    let errorType: string | undefined;
    const finish = async (reason?: ShutdownReason) => {
      const phaseDurationMs = round(performance.now() - inv.startedAt);
      const runtimeDoneAt = runtimeDoneMark ?? performance.now();
      this.hub.platform('platform.report', {
        requestId: inv.requestId,
        status,
        ...(errorType ? { errorType } : {}),
        metrics: {
          durationMs: phaseDurationMs,
          billedDurationMs: Math.ceil(phaseDurationMs),
          memorySizeMB: o.memoryMb,
          maxMemoryUsedMB: this.runtime?.peakMemoryMb() ?? 0,
          ...(initDurationMs !== undefined ? { initDurationMs } : {}),
        },
        spans: [
          {
            name: 'extensionOverhead',
            start: new Date(Date.now() - (performance.now() - runtimeDoneAt)).toISOString(),
            durationMs: round(performance.now() - runtimeDoneAt),
          },
        ],
        ...tracing,
      });
      this.invocations.push({ ...result, status, errorType, phaseDurationMs, initDurationMs, coldStart });
      if (reason) {
        if (errorType) this.platformError('invoke', errorType, result.error?.errorMessage ?? errorType, inv.requestId);
        await this.teardown(reason);
      } else this.phase = 'ready';
    };
    let runtimeDoneMark: number | undefined;
    const runtimeDone = (extra: Record<string, unknown>) => {
      if (runtimeDoneSent) return;
      runtimeDoneSent = true;
      runtimeDoneMark = performance.now();
      this.hub.platform('platform.runtimeDone', { requestId: inv.requestId, status, ...extra, ...tracing });
    };
    const timeout = async () => {
      status = 'timeout';
      errorType = 'Sandbox.Timedout';
      const seconds = (o.timeoutMs / 1000).toFixed(2);
      result = answer({
        requestId: inv.requestId,
        statusCode: 200,
        functionError: 'Unhandled',
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `${new Date().toISOString()} ${inv.requestId} Task timed out after ${seconds} seconds`,
        },
      });
      runtimeDone({ errorType, metrics: { durationMs: round(performance.now() - inv.startedAt) } });
      await finish('timeout');
    };
    const failure = async () => {
      const f = this.fatal as Fatal;
      status = statusFor(f.errorType);
      errorType = f.errorType;
      result = answer({
        requestId: inv.requestId,
        statusCode: 200,
        functionError: 'Unhandled',
        error: { errorType: f.errorType, errorMessage: f.errorMessage },
      });
      runtimeDone({ errorType });
      await finish('failure');
    };

    let result: InvocationResult = { requestId: inv.requestId, statusCode: 0, durationMs: 0 };
    // 1. the runtime answers (response or error): the caller gets it right away
    const r1 = await this.signal.until(() => inv.outcome ?? (this.fatal && 'fatal'), inv.deadlineMs);
    if (r1 === 'timeout') return timeout();
    if (r1 === 'fatal') return failure();
    const outcome = r1 as Outcome;
    if (outcome.kind === 'response') {
      result = answer({ requestId: inv.requestId, statusCode: 200, response: decodeResponse(outcome.body) });
    } else {
      status = 'error';
      errorType = outcome.errorType;
      result = answer({
        requestId: inv.requestId,
        statusCode: 200,
        functionError: 'Unhandled',
        error: toInvocationError(outcome.errorType, outcome.body),
      });
    }
    // 2. the runtime calls /next again → platform.runtimeDone
    const r2 = await this.signal.until(() => (inv.runtimeReturned && 'ok') || (this.fatal && 'fatal'), inv.deadlineMs);
    if (r2 === 'timeout') return timeout();
    if (r2 === 'fatal') return failure();
    // Lines the function wrote before calling /next are already in the pipe: read them before runtimeDone.
    await ioTurn();
    const responseStart = new Date(Date.now() - (performance.now() - outcome.receivedAt)).toISOString();
    runtimeDone({
      ...(errorType ? { errorType } : {}),
      metrics: {
        durationMs: round(outcome.answeredAt - inv.startedAt),
        ...(outcome.kind === 'response' ? { producedBytes: outcome.body.length } : {}),
      },
      spans: [
        { name: 'responseLatency', start: inv.startedIso, durationMs: round(outcome.receivedAt - inv.startedAt) },
        { name: 'responseDuration', start: responseStart, durationMs: round(outcome.answeredAt - outcome.receivedAt) },
      ],
    });
    // 3. every INVOKE-subscribed extension calls event/next → platform.report
    const r3 = await this.signal.until(
      () => (this.agents.subscribedTo('INVOKE').every((a) => !a.busy) && 'ok') || (this.fatal && 'fatal'),
      inv.deadlineMs,
    );
    if (r3 === 'timeout') return timeout();
    if (r3 === 'fatal') return failure();
    await finish();
  }

  private functionArn(): string {
    const o = this.opts;
    return `arn:aws:lambda:${o.region}:${o.accountId}:function:${o.functionName}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shutdown / reset (§0.4, §2.5)

  private hasLiveProcesses(): boolean {
    return Boolean(this.runtime?.running) || [...this.launched.values()].some((l) => l.process?.running);
  }

  private async teardown(reason: ShutdownReason): Promise<void> {
    this.phase = 'shutdown';
    this.registrationOpen = false;
    const t0 = Date.now();
    const agents = this.agents.all();
    const hasExternal = agents.some((a) => a.external);
    const budget = hasExternal ? this.opts.shutdownBudgetMs : agents.length > 0 ? SHUTDOWN_BUDGET_INTERNAL_ONLY_MS : 0;
    const deadline = t0 + budget;
    const runtime = this.runtime;
    if (runtime?.running) {
      if (agents.length === 0) runtime.kill();
      else {
        // SIGTERM only when extensions are registered; the runtime gets its share of the budget, then SIGKILL.
        const share = hasExternal ? this.opts.runtimeShutdownShareMs : RUNTIME_SHUTDOWN_SHARE_INTERNAL_MS;
        runtime.signal('SIGTERM');
        await withTimeout(runtime.exited, Math.min(share, budget));
        runtime.kill();
      }
    }
    // The runtime's stream is closed: flush buffered telemetry while the listeners still live.
    this.hub.flush();
    const waiting: LaunchedExtension[] = [];
    for (const ext of this.launched.values()) {
      if (!ext.process?.running) continue;
      const agent = ext.agent;
      if (agent?.events.includes('SHUTDOWN') && !agent.failed) {
        this.agents.release(agent, { eventType: 'SHUTDOWN', deadlineMs: deadline, shutdownReason: reason });
        waiting.push(ext);
      } else {
        // Extensions not subscribed to SHUTDOWN are killed at once.
        ext.process.kill();
      }
    }
    await this.signal.until(() => waiting.every((e) => !e.process?.running) && 'ok', deadline);
    for (const ext of waiting) {
      if (ext.process?.running) {
        ext.process.kill();
        ext.state = 'ShutdownFailed';
      } else ext.state = ext.exit?.code === 0 ? 'Exited' : 'ShutdownFailed';
      if (ext.agent) ext.agent.state = ext.state;
    }
    const processes = [runtime, ...[...this.launched.values()].map((l) => l.process)].filter(
      (p): p is ManagedProcess => p !== undefined,
    );
    // Give killed processes a moment to be reaped and their pipes to deliver the last lines.
    await withTimeout(Promise.all(processes.map((p) => Promise.all([p.exited, p.closed]))), 500);
    this.lastExtensions = this.currentExtensions();
    this.shutdowns.push({
      reason,
      durationMs: Date.now() - t0,
      extensions: this.lastExtensions,
      ...(runtime?.exit ? { runtimeExit: { code: runtime.exit.code, signal: runtime.exit.signal } } : {}),
    });
    this.hub.retireSubscribers();
    this.agents.clear();
    this.channel.reset();
    this.runtime = undefined;
    this.phase = 'uninitialized';
  }

  private currentExtensions(): ExtensionRecord[] {
    const out: ExtensionRecord[] = [];
    for (const ext of this.launched.values()) {
      out.push({
        name: ext.name,
        external: true,
        state: ext.agent?.state ?? ext.state,
        events: ext.agent?.events ?? [],
        ...(ext.exit ? { exitCode: ext.exit.code, signal: ext.exit.signal } : {}),
      });
    }
    for (const a of this.agents.all()) {
      if (!a.external) out.push({ name: a.name, external: false, state: a.state, events: a.events });
    }
    return out;
  }

  private platformError(phase: string, errorType: string, errorMessage: string, requestId?: string): void {
    this.platformErrors.push({
      time: new Date().toISOString(),
      phase,
      errorType,
      errorMessage,
      ...(requestId ? { requestId } : {}),
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Runtime API host

  runtimeNext(res: ServerResponse): void {
    // The runtime's first /next closes extension registration.
    this.registrationOpen = false;
    this.channel.next(res);
  }

  runtimeResponse(requestId: string, body: Buffer, contentType: string, receivedAt: number): HostAnswer {
    return this.channel.respond(requestId, body, contentType, receivedAt);
  }

  runtimeResponseTooLarge(requestId: string, size: number): HostAnswer {
    return this.channel.responseTooLarge(requestId, size);
  }

  runtimeError(requestId: string, report: RuntimeErrorReport): HostAnswer {
    return this.channel.error(requestId, report);
  }

  runtimeInitError(report: RuntimeErrorReport): HostAnswer {
    if (this.phase !== 'init' || this.channel.nextCalls > 0) return invalidState();
    this.reportedInitError = report;
    this.signal.notify();
    return { ok: true };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Extensions API host

  register(r: RegisterRequest): RegisterAnswer {
    const closed = () =>
      ({
        ok: false,
        status: 403,
        errorType: 'Extension.RegistrationClosed',
        errorMessage: 'Registration is closed',
      }) as const;
    if (!this.registrationOpen || this.phase !== 'init') return closed();
    const launched = this.launched.get(r.name);
    const external = launched !== undefined;
    if (launched?.agent || (!external && this.agents.findByName(r.name))) {
      return {
        ok: false,
        status: 403,
        errorType: 'Extension.InvalidExtensionState',
        errorMessage: `${r.name} is already registered`,
      };
    }
    if (!external && r.events.includes('SHUTDOWN')) {
      return {
        ok: false,
        status: 403,
        errorType: 'Extension.InvalidEventType',
        errorMessage: 'internal extensions cannot subscribe to SHUTDOWN',
      };
    }
    if (this.agents.size >= MAX_EXTENSIONS) {
      return {
        ok: false,
        status: 403,
        errorType: 'Extension.TooManyExtensions',
        errorMessage: `at most ${MAX_EXTENSIONS} extensions can register`,
      };
    }
    const agent = this.agents.create(r.name, external, r.events);
    if (launched) {
      launched.agent = agent;
      launched.state = 'Registered';
    }
    this.signal.notify();
    const o = this.opts;
    return {
      ok: true,
      agent,
      body: {
        functionName: o.functionName,
        functionVersion: FUNCTION_VERSION,
        handler: o.handler,
        ...(r.acceptAccountId ? { accountId: o.accountId } : {}),
      },
    };
  }

  agentById(id: string): Agent | undefined {
    return this.agents.byId.get(id);
  }

  eventNext(agent: Agent, res: ServerResponse): void {
    this.agents.next(agent, res);
    this.signal.notify();
  }

  extensionError(
    agent: Agent,
    kind: 'init' | 'exit',
    errorType: string,
    body: Record<string, unknown> | undefined,
  ): HostAnswer {
    if (agent.failed)
      return { ok: false, status: 403, errorType: 'Extension.InvalidExtensionState', errorMessage: 'already failed' };
    if (kind === 'init' && this.phase !== 'init') return invalidState();
    agent.failed = true;
    agent.state = kind === 'init' ? 'InitError' : 'ExitError';
    const launched = this.launched.get(agent.name);
    if (launched?.agent === agent) launched.state = agent.state;
    const detail = typeof body?.errorMessage === 'string' ? `: ${body.errorMessage}` : '';
    this.setFatal(
      kind === 'init' ? 'Extension.InitError' : 'Extension.ExitError',
      `${agent.name} reported ${errorType}${detail}`,
    );
    return { ok: true };
  }

  subscribe(agent: Agent, api: 'telemetry' | 'logs', body: Record<string, unknown>): HostAnswer {
    if (api === 'logs') {
      // The legacy Logs API is answered like the official local emulator does (lambda-platform.md §3.5, §6).
      return { ok: false, status: 202, errorType: 'Logs.NotSupported', errorMessage: 'Logs API is not supported' };
    }
    if (!this.hub.subscriptionsOpen || this.phase !== 'init') {
      return {
        ok: false,
        status: 403,
        errorType: 'Telemetry.SubscriptionClosed',
        errorMessage: 'Telemetry API subscription is closed',
      };
    }
    const v = validateSubscription(body, [this.server.port]);
    if (!v.ok) return { ok: false, status: 400, errorType: 'ValidationError', errorMessage: v.message };
    this.hub.subscribe(agent.name, v.value);
    return { ok: true };
  }
}

/** Lets the event loop run one I/O poll (pending pipe data is read) before continuing. */
async function ioTurn(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
  await new Promise<void>((r) => setImmediate(r));
}

function decodeResponse(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toInvocationError(errorType: string, body: Record<string, unknown>): InvocationError {
  return {
    ...body,
    errorType: typeof body.errorType === 'string' ? body.errorType : errorType,
    errorMessage: typeof body.errorMessage === 'string' ? body.errorMessage : '',
  };
}

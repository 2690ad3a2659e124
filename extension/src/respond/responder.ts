/**
 * The Responder: findings → correlation → incidents → actions → records.
 *
 * Timing model (architecture decision 9): urgent actions (quarantine, terminate, fleet counting) start the
 * moment a finding arrives and are awaited by beforeNext; alerts coalesce briefly and are flushed by
 * beforeNext at the latest; incident writes and metrics are batched and flushed by beforeNext and shutdown.
 * Every network call is retried within a deadline; whatever is still undelivered at SHUTDOWN is logged with
 * exact counts.
 */
import { randomUUID } from 'node:crypto';
import type { QuarantineInfo } from '../../../protocol/channel';
import type { Finding } from '../../../protocol/finding';
import { type CorrelationEngine, type Decision, decide, findingsFromInvocation } from '../correlate';
import type { FleetCandidate } from '../correlate/types';
import type { InvocationSummary, PipelineContext, Responder } from '../pipeline';
import { type AwsClients, errorInfo } from '../record/aws';
import { DynamoFleetCounter } from '../record/counters';
import { IncidentStore } from '../record/incidents';
import { MetricsRecorder } from '../record/metrics';
import type { ActionName, ActionRecord, FindingSummary, Incident } from '../record/types';
import { AlertDispatcher, type AlertOutcome } from './alerts';
import { blockConcurrency, editEnvironment, EnvironmentUnreadableError, setQuarantine } from './quarantine';

/** Budget of one urgent action (quarantine, terminate, fleet count) from its start. */
const URGENT_BUDGET_MS = 5000;
/** Findings summarised in an incident record (the full findings are in the log). */
const MAX_FINDINGS_PER_INCIDENT = 10;
/** Kept back from the SHUTDOWN deadline for the final log lines. */
const SHUTDOWN_MARGIN_MS = 60;

export interface ResponderOptions {
  engine: CorrelationEngine;
  clients: AwsClients;
  alertMergeWindowMs?: number;
  alertCoalesceMs?: number;
}

function summarize(f: Finding): FindingSummary {
  const s: FindingSummary = {
    id: f.id,
    time: f.time,
    category: f.category,
    kind: f.kind,
    severity: f.severity,
    title: f.title,
    blocked: f.blocked,
  };
  if (f.sink) s.sink = f.sink;
  if (f.input) s.inputPath = f.input.path;
  if (f.package) s.package = f.package;
  return s;
}

export class SentinelResponder implements Responder {
  private readonly engine: CorrelationEngine;
  private readonly clients: AwsClients;
  private readonly store?: IncidentStore;
  private readonly fleet?: DynamoFleetCounter;
  private readonly alerts: AlertDispatcher;
  private readonly metrics: MetricsRecorder;
  /** Incidents with actions still pending or records not yet stored, by id. */
  private readonly live = new Map<string, Incident>();
  /** Open incident per (rule, request): later findings of the same rule and request join it. */
  private readonly openByKey = new Map<string, Incident>();
  private readonly urgent = new Set<Promise<void>>();
  private readonly fleetState = new Map<string, { delta: number; last: FleetCandidate; running: boolean }>();
  private quarantinedBy?: string;
  private terminatedBy?: string;
  private shutdownDeadline?: number;
  private readonly counts = { findings: 0, incidents: 0, fleetIncrementsFailed: 0, internalErrors: 0 };

  constructor(
    private readonly ctx: PipelineContext,
    opts: ResponderOptions,
  ) {
    const { config, log } = ctx;
    this.engine = opts.engine;
    const clients = opts.clients;
    this.clients = clients;
    if (config.incidentTable) {
      this.store = new IncidentStore(clients.ddb, config.incidentTable, config.incidentTtlDays, log);
      this.fleet = new DynamoFleetCounter(clients.ddb, config.incidentTable, ctx.functionName, () =>
        this.urgentDeadline(),
      );
    }
    this.metrics = new MetricsRecorder(
      config.metrics,
      config.metricsNamespace,
      ctx.functionName,
      log,
      clients.cloudwatch,
    );
    this.alerts = new AlertDispatcher(
      {
        ...(config.snsTopicArn ? { sns: { client: clients.sns, topicArn: config.snsTopicArn } } : {}),
        ...(config.slackWebhookUrl ? { slackUrl: config.slackWebhookUrl } : {}),
      },
      log,
      (ids, outcome) => this.onAlertOutcome(ids, outcome),
      {
        mergeWindowMs: opts.alertMergeWindowMs ?? 60_000,
        coalesceMs: opts.alertCoalesceMs ?? 250,
        sendBudgetMs: URGENT_BUDGET_MS,
      },
    );
  }

  onFinding(f: Finding): void {
    try {
      this.counts.findings++;
      this.ctx.log.warn({ evt: 'finding', finding: f }, f.title);
      this.metrics.add('Findings', { Category: f.category, Severity: f.severity });
      if (f.category === 'agent' && /drop/.test(f.kind))
        this.metrics.add('DroppedFindings', {}, Number(f.details?.dropped ?? 1) || 1);
      if (f.category === 'integrity' && /silen/.test(f.kind)) this.metrics.add('AgentSilence');
      const at = Date.now();
      const ev = this.engine.evaluate(f, at);
      const d = decide(ev.matches);
      if (d) this.openIncident(d);
      if (this.fleet) for (const c of ev.fleet) this.countFleet(c);
    } catch (e) {
      this.internalError('onFinding', e);
    }
  }

  onInvocation(s: InvocationSummary): void {
    try {
      this.ctx.log.info({ evt: 'invocation', invocation: s }, 'invocation');
      for (const f of findingsFromInvocation(s)) this.onFinding(f);
    } catch (e) {
      this.internalError('onInvocation', e);
    }
  }

  async beforeNext(requestId: string | undefined): Promise<void> {
    try {
      await this.drainUrgent(Date.now() + URGENT_BUDGET_MS);
      if (requestId) {
        this.engine.endInvocation(requestId);
        for (const [k, inc] of this.openByKey) if (inc.requestId === requestId) this.openByKey.delete(k);
      }
      const deadline = Date.now() + Math.max(this.ctx.config.urgentActionWaitMs, 200);
      await this.alerts.flush(deadline);
      this.metrics.flush();
      await this.flushStore(deadline);
    } catch (e) {
      this.internalError('beforeNext', e);
    }
  }

  async shutdown(deadlineMs: number): Promise<void> {
    const deadline = deadlineMs - SHUTDOWN_MARGIN_MS;
    this.shutdownDeadline = deadline;
    try {
      await this.drainUrgent(deadline);
      this.metrics.flush();
      await Promise.all([this.alerts.flush(deadline, true), this.flushStore(deadline), this.metrics.send(deadline)]);
      // Alert outcomes that landed during the first flush re-queued their incidents: store those too.
      if (this.store && this.store.pendingCount > 0 && deadline - Date.now() > 30) await this.flushStore(deadline);
    } catch (e) {
      this.internalError('shutdown', e);
    }
    this.logDelivery();
  }

  // ---- incidents ----

  private openIncident(d: Decision): void {
    const p = d.primary;
    const trigger = p.findings[p.findings.length - 1];
    const key = `${p.rule.id}|${p.requestId ?? 'env'}`;
    const existing = this.openByKey.get(key);
    if (existing && p.kind === 'finding') {
      existing.findingCount++;
      if (existing.findings.length < MAX_FINDINGS_PER_INCIDENT) existing.findings.push(summarize(trigger));
      existing.updatedAt = new Date().toISOString();
      this.live.set(existing.id, existing);
      this.store?.enqueue(existing);
      return;
    }
    const now = new Date().toISOString();
    const inc: Incident = {
      type: 'incident',
      id: randomUUID(),
      function: this.ctx.functionName,
      version: this.ctx.functionVersion,
      environmentId: this.ctx.environmentId,
      rule: p.rule.id,
      ruleTitle: p.rule.title,
      match: p.kind,
      severity: d.severity,
      category: p.category,
      title: `${p.rule.title}: ${trigger.title}`.slice(0, 200),
      alsoMatched: d.matches.filter((m) => m !== p).map((m) => m.rule.id),
      findingCount: p.findings.length,
      findings: p.findings.slice(-MAX_FINDINGS_PER_INCIDENT).map(summarize),
      responseMode: this.ctx.config.response,
      actions: [],
      createdAt: now,
      updatedAt: now,
    };
    if (p.requestId) inc.requestId = p.requestId;
    if (p.count !== undefined) inc.count = p.count;
    this.counts.incidents++;
    this.openByKey.set(key, inc);
    this.live.set(inc.id, inc);
    this.metrics.add('Incidents', { Category: inc.category, Severity: inc.severity });
    this.ctx.log.error({ evt: 'incident', incident: inc, actionsPlanned: d.actions }, inc.title);
    for (const a of d.actions) this.startAction(inc, a);
    this.store?.enqueue(inc);
  }

  // ---- actions ----

  private startAction(inc: Incident, type: ActionName): void {
    const rec: ActionRecord = { type, status: 'pending', startedAt: new Date().toISOString() };
    inc.actions.push(rec);
    const mode = this.ctx.config.response;
    const done = (status: ActionRecord['status'], detail: string) => this.finishAction(inc, rec, status, detail);
    if (type === 'monitor') done('ok', 'recorded');
    else if (mode === 'off') done('skipped', 'SENTINEL_RESPONSE=off');
    else if (type === 'alert') {
      if (!this.alerts.configured) done('skipped', 'no alert destination configured');
      else if (mode === 'dry-run') done('dry-run', 'would send an alert (SNS and/or Slack)');
      else this.alerts.request(inc);
    } else if (type === 'quarantine') {
      if (mode === 'dry-run') done('dry-run', `would set SENTINEL_QUARANTINE on ${inc.function} and tell the agent`);
      else if (this.quarantinedBy) done('skipped', `already quarantined by incident ${this.quarantinedBy}`);
      else {
        this.quarantinedBy = inc.id;
        this.track(this.quarantine(inc, rec));
      }
    } else if (type === 'terminate') {
      if (mode === 'dry-run')
        done('dry-run', `would set reserved concurrency of ${inc.function} to 0 and reset this environment`);
      else if (this.terminatedBy) done('skipped', `already terminated by incident ${this.terminatedBy}`);
      else {
        this.terminatedBy = inc.id;
        this.track(this.terminate(inc, rec));
      }
    }
  }

  private quarantineInfo(inc: Incident): QuarantineInfo {
    return { incidentId: inc.id, reason: inc.title.slice(0, 200), time: inc.createdAt };
  }

  private async quarantine(inc: Incident, rec: ActionRecord): Promise<void> {
    const info = this.quarantineInfo(inc);
    // The agent refuses further invocations at once, before the control-plane round trips.
    const told = this.ctx.sendToAgent({ t: 'quarantine', quarantine: info });
    try {
      const r = await editEnvironment(
        this.clients.lambda(),
        inc.function,
        setQuarantine(info),
        this.urgentDeadline(),
        (op, e, attempt) =>
          this.ctx.log.warn({ evt: 'aws_retry', op, attempt, error: errorInfo(e) }, 'retrying quarantine'),
      );
      const what = r.changed
        ? `SENTINEL_QUARANTINE set (revision ${r.revisionId ?? '?'})`
        : 'function already quarantined';
      this.finishAction(inc, rec, 'ok', `${what}; agent ${told ? 'told' : 'not connected'}`, { attempts: r.requests });
    } catch (e) {
      const detail = e instanceof EnvironmentUnreadableError ? e.message : 'quarantine not applied';
      this.finishAction(inc, rec, 'failed', `${detail}; agent ${told ? 'told' : 'not connected'}`, {
        error: errorInfo(e),
      });
    }
  }

  private async terminate(inc: Incident, rec: ActionRecord): Promise<void> {
    const reason = `Sentinel terminate: ${inc.title}`.slice(0, 200);
    // Stop user code in this environment now; the reset below discards it.
    const told = this.ctx.sendToAgent({ t: 'quarantine', quarantine: this.quarantineInfo(inc) });
    try {
      const requests = await blockConcurrency(
        this.clients.lambda(),
        inc.function,
        this.urgentDeadline(),
        (e, attempt) =>
          this.ctx.log.warn(
            { evt: 'aws_retry', op: 'PutFunctionConcurrency', attempt, error: errorInfo(e) },
            'retrying terminate',
          ),
      );
      this.finishAction(
        inc,
        rec,
        'ok',
        `reserved concurrency set to 0; environment reset requested; agent ${told ? 'told' : 'not connected'}`,
        { attempts: requests },
      );
    } catch (e) {
      this.finishAction(inc, rec, 'failed', 'reserved concurrency not set; environment reset requested', {
        error: errorInfo(e),
      });
    }
    // The environment is about to go away: store what we have first (bounded), then reset.
    await Promise.all([
      this.alerts.flush(this.urgentDeadline()),
      this.flushStore(Math.min(this.urgentDeadline(), Date.now() + 1000)),
    ]);
    this.logDelivery();
    try {
      await this.ctx.resetEnvironment(reason);
    } catch (e) {
      this.internalError('resetEnvironment', e);
    }
  }

  private onAlertOutcome(ids: string[], o: AlertOutcome): void {
    for (const id of ids) {
      const inc = this.live.get(id);
      const rec = inc?.actions.find((a) => a.type === 'alert' && a.status === 'pending');
      if (inc && rec)
        this.finishAction(inc, rec, o.status, o.detail, {
          attempts: o.attempts,
          ...(o.error ? { error: o.error } : {}),
        });
    }
  }

  private finishAction(
    inc: Incident,
    rec: ActionRecord,
    status: ActionRecord['status'],
    detail: string,
    extra: Partial<ActionRecord> = {},
  ): void {
    Object.assign(rec, { status, detail, ...extra, durationMs: Date.now() - Date.parse(rec.startedAt) });
    inc.updatedAt = new Date().toISOString();
    this.metrics.add('Actions', { Action: rec.type, Result: status });
    const level = status === 'failed' ? 'error' : 'info';
    this.ctx.log[level](
      {
        evt: 'action',
        action: { incidentId: inc.id, function: inc.function, rule: inc.rule, mode: inc.responseMode, ...rec },
      },
      `${rec.type}: ${status}`,
    );
    this.store?.enqueue(inc);
  }

  // ---- fleet counting ----

  private countFleet(c: FleetCandidate): void {
    let st = this.fleetState.get(c.rule.id);
    if (!st) {
      st = { delta: 0, last: c, running: false };
      this.fleetState.set(c.rule.id, st);
    }
    st.delta++;
    st.last = c;
    if (st.running) return; // the running loop picks the delta up: one request in flight per rule
    st.running = true;
    const state = st;
    this.track(
      (async () => {
        while (state.delta > 0) {
          const delta = state.delta;
          const cand = state.last;
          state.delta = 0;
          try {
            const t = cand.rule.threshold!;
            const count = await this.fleet!.addAndCount(
              cand.rule.id,
              Date.now(),
              delta,
              t.windowSeconds,
              cand.bucketSeconds,
            );
            const m = this.engine.fleetMatch(cand, count, Date.now());
            if (m) this.openIncident(decide([m])!);
          } catch (e) {
            this.counts.fleetIncrementsFailed += delta;
            this.metrics.add('DeliveryFailures', { Kind: 'fleet_counter' }, delta);
            this.ctx.log.warn(
              { evt: 'aws_error', op: 'fleet_counter', rule: cand.rule.id, lostIncrements: delta, error: errorInfo(e) },
              'fleet counter not updated',
            );
          }
        }
        state.running = false;
      })(),
    );
  }

  // ---- plumbing ----

  private urgentDeadline(): number {
    const d = Date.now() + URGENT_BUDGET_MS;
    return this.shutdownDeadline !== undefined ? Math.min(d, this.shutdownDeadline) : d;
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e) => this.internalError('urgent', e)).finally(() => this.urgent.delete(q));
    this.urgent.add(q);
  }

  private async drainUrgent(deadline: number): Promise<void> {
    // Urgent work can start more urgent work (a fleet count opening an incident): loop until quiet.
    while (this.urgent.size > 0 && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...this.urgent]),
        new Promise<void>((r) => {
          timer = setTimeout(r, Math.max(0, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
  }

  private async flushStore(deadline: number): Promise<void> {
    const store = this.store;
    if (store) {
      const r = await store.flush(deadline);
      if (r.failed > 0) this.metrics.add('DeliveryFailures', { Kind: 'incident_write' }, r.failed);
    }
    // Incidents whose actions are all done and whose record is stored (or not kept) need no more tracking.
    for (const [id, inc] of this.live)
      if (!inc.actions.some((a) => a.status === 'pending') && !store?.isPending(id)) this.live.delete(id);
  }

  private logDelivery(): void {
    const notStored = this.store ? this.store.pendingCount + this.store.droppedOverflow : 0;
    const alertsPending = this.alerts.pendingCount;
    const summary = {
      findings: this.counts.findings,
      incidents: this.counts.incidents,
      incidentsStored: this.store?.writtenTotal ?? 0,
      incidentsNotStored: notStored,
      incidentsDroppedOverflow: this.store?.droppedOverflow ?? 0,
      alertMessages: this.alerts.stats.messages,
      alertMessagesFailed: this.alerts.stats.failedMessages,
      alertsMerged: this.alerts.stats.merged,
      alertsNotSent: alertsPending,
      fleetIncrementsFailed: this.counts.fleetIncrementsFailed,
      metricDatumsNotSent: this.metrics.queuedDatums + this.metrics.droppedDatums,
      urgentActionsUnfinished: this.urgent.size,
      internalErrors: this.counts.internalErrors,
      incidentTable: Boolean(this.store),
    };
    const lost =
      notStored +
      alertsPending +
      this.alerts.stats.failedMessages +
      summary.fleetIncrementsFailed +
      summary.metricDatumsNotSent +
      summary.urgentActionsUnfinished;
    this.ctx.log[lost > 0 ? 'error' : 'info'](
      { evt: 'delivery', delivery: summary },
      lost > 0
        ? `undelivered at shutdown: ${notStored} incident record(s), ${alertsPending + this.alerts.stats.failedMessages} alert(s), ${summary.fleetIncrementsFailed} fleet increment(s), ${summary.metricDatumsNotSent} metric datum(s)`
        : 'all records delivered',
    );
  }

  private internalError(where: string, e: unknown): void {
    this.counts.internalErrors++;
    this.ctx.log.error(
      { evt: 'responder_error', where, error: errorInfo(e) },
      'responder internal error (function unaffected)',
    );
  }
}

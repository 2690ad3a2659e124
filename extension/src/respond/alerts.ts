/**
 * Alert dispatch with merging: identical alerts (same rule, severity, category) within a window become one
 * message with a count. The first alert of a window is sent after a short coalescing delay (or at the next
 * flush, whichever comes first), so a burst of findings in one invocation yields one message; alerts that
 * arrive after it was sent are counted and reported with the next message of that kind.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from 'pino';
import { errorInfo, withRetry } from '../record/aws';
import type { ActionRecord, Incident } from '../record/types';
import { type AlertContent, alertAttributes, alertBody, alertSubject, slackPayload } from './alert-format';
import { postSlack } from './slack';

export interface AlertChannels {
  sns?: { client: () => SNSClient; topicArn: string };
  slackUrl?: string;
}

export interface AlertOutcome {
  status: ActionRecord['status'];
  detail: string;
  attempts: number;
  error?: ActionRecord['error'];
}

interface Entry {
  key: string;
  first: Incident;
  incidentIds: string[];
  windowStart: number;
  state: 'pending' | 'sending' | 'sent';
  mergedBefore: number;
  mergedAfterSend: number;
  /** Channels that already took this message: a retry only goes to the others (no duplicates). */
  delivered: Set<'sns' | 'slack'>;
  /** Failed attempts so far (the message is retried at the next flush). */
  failures: number;
  /** Per-channel outcome lines so far. */
  parts?: string[];
  timer?: NodeJS.Timeout;
  sending?: Promise<void>;
}

export interface AlertStats {
  requested: number;
  messages: number;
  merged: number;
  failedMessages: number;
}

export class AlertDispatcher {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Set<Promise<void>>();
  readonly stats: AlertStats = { requested: 0, messages: 0, merged: 0, failedMessages: 0 };

  constructor(
    private readonly channels: AlertChannels,
    private readonly log: Logger,
    /** Reports the outcome for every incident the message covered. */
    private readonly onOutcome: (incidentIds: string[], outcome: AlertOutcome) => void,
    private readonly opts: { mergeWindowMs: number; coalesceMs: number; sendBudgetMs: number },
  ) {}

  get configured(): boolean {
    return Boolean(this.channels.sns || this.channels.slackUrl);
  }

  request(incident: Incident, now = Date.now()): void {
    this.stats.requested++;
    const key = `${incident.rule}|${incident.severity}|${incident.category}`;
    const e = this.entries.get(key);
    if (e && now - e.windowStart < this.opts.mergeWindowMs) {
      e.incidentIds.push(incident.id);
      this.stats.merged++;
      if (e.state === 'pending') return;
      e.mergedAfterSend++;
      this.onOutcome([incident.id], {
        status: 'merged',
        detail: `merged into the alert of incident ${e.first.id}`,
        attempts: 0,
      });
      return;
    }
    if (e?.timer) clearTimeout(e.timer);
    const entry: Entry = {
      key,
      first: incident,
      incidentIds: [incident.id],
      windowStart: now,
      state: 'pending',
      mergedBefore: e?.mergedAfterSend ?? 0,
      mergedAfterSend: 0,
      delivered: new Set(),
      failures: 0,
    };
    entry.timer = setTimeout(() => this.send(entry, Date.now() + this.opts.sendBudgetMs), this.opts.coalesceMs);
    this.entries.set(key, entry);
  }

  /**
   * Sends every pending alert now and waits for all sends (each bounded by `deadline`). A message that failed
   * on a channel stays pending for the next flush; with `final` (SHUTDOWN) its failure is reported instead.
   */
  async flush(deadline: number, final = false): Promise<void> {
    // An in-flight send may fail and go back to pending: wait, then send what is pending, twice at most.
    for (let round = 0; round < 2; round++) {
      await Promise.all([...this.inFlight]);
      for (const e of this.entries.values()) if (e.state === 'pending') this.send(e, deadline, final);
      await Promise.all([...this.inFlight]);
      if (![...this.entries.values()].some((e) => e.state === 'pending') || Date.now() >= deadline) break;
    }
  }

  private send(e: Entry, deadline: number, final = false): void {
    if (e.state !== 'pending') return;
    if (e.timer) clearTimeout(e.timer);
    e.state = 'sending';
    const p = this.deliver(e, deadline, final)
      .then((ok) => {
        e.state = ok || final ? 'sent' : 'pending';
      })
      .finally(() => {
        this.inFlight.delete(p);
      });
    e.sending = p;
    this.inFlight.add(p);
  }

  /** Returns true when every channel took the message. Reports the outcome unless it failed and is not final. */
  private async deliver(e: Entry, deadline: number, final: boolean): Promise<boolean> {
    const ids = [...e.incidentIds];
    const content: AlertContent = { incident: e.first, count: ids.length, mergedBefore: e.mergedBefore };
    const parts: string[] = [];
    let attempts = 0;
    let failed = false;
    let error: ActionRecord['error'];
    const jobs: Promise<void>[] = [];
    if (this.channels.sns && !e.delivered.has('sns')) {
      const { client, topicArn } = this.channels.sns;
      jobs.push(
        (async () => {
          const { PublishCommand } = require('@aws-sdk/client-sns') as typeof import('@aws-sdk/client-sns');
          const fifo = topicArn.endsWith('.fifo');
          try {
            const out = await withRetry(
              (abortSignal, attempt) => {
                attempts = Math.max(attempts, attempt);
                return client().send(
                  new PublishCommand({
                    TopicArn: topicArn,
                    Subject: alertSubject(content),
                    Message: alertBody(content),
                    MessageAttributes: alertAttributes(content),
                    ...(fifo ? { MessageGroupId: e.first.function, MessageDeduplicationId: e.first.id } : {}),
                  }),
                  { abortSignal },
                );
              },
              {
                deadline,
                onRetry: (err, attempt, delayMs) =>
                  this.log.warn(
                    { evt: 'aws_retry', op: 'SNS.Publish', attempt, delayMs, error: errorInfo(err) },
                    'retrying alert',
                  ),
              },
            );
            e.delivered.add('sns');
            parts.push(`sns: sent ${out.MessageId ?? ''}`.trim());
          } catch (err) {
            failed = true;
            error = errorInfo(err);
            parts.push(`sns: failed (${error.name})`);
          }
        })(),
      );
    }
    if (this.channels.slackUrl && !e.delivered.has('slack')) {
      const url = this.channels.slackUrl;
      jobs.push(
        (async () => {
          const r = await postSlack(url, slackPayload(content), deadline, (why, attempt, delayMs) =>
            this.log.warn({ evt: 'slack_retry', attempt, delayMs, reason: why }, 'retrying Slack alert'),
          );
          attempts = Math.max(attempts, r.attempts);
          if (r.ok) {
            e.delivered.add('slack');
            parts.push('slack: sent');
          } else {
            failed = true;
            error ??= { name: 'SlackError', message: r.error ?? 'failed', ...(r.status ? { status: r.status } : {}) };
            parts.push(`slack: failed (${r.error})`);
          }
        })(),
      );
    }
    await Promise.all(jobs);
    e.failures += failed ? 1 : 0;
    e.parts = [...(e.parts ?? []).filter((p) => !parts.some((q) => q.split(':')[0] === p.split(':')[0])), ...parts];
    const detail = `${e.parts.join(', ')}${ids.length > 1 ? `; ${ids.length} alerts merged` : ''}${e.failures > 0 ? `; ${e.failures} failed attempt round(s)` : ''}`;
    if (failed && !final) {
      this.log.warn(
        { evt: 'alert', incidentId: e.first.id, ok: false, retry: true, detail },
        'alert not delivered yet; retrying at the next flush',
      );
      return false;
    }
    this.stats.messages++;
    if (failed) this.stats.failedMessages++;
    this.log[failed ? 'warn' : 'info'](
      { evt: 'alert', incidentId: e.first.id, merged: ids.length, mergedBefore: e.mergedBefore, ok: !failed, detail },
      failed ? 'alert not fully delivered' : 'alert sent',
    );
    this.onOutcome(ids, { status: failed ? 'failed' : 'ok', detail, attempts, ...(error ? { error } : {}) });
    return !failed;
  }

  /** Alerts requested but not yet sent (for loss accounting at shutdown). */
  get pendingCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.state !== 'sent') n += e.incidentIds.length;
    return n;
  }
}

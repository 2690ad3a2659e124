/**
 * The platform's telemetry stream: every platform event and log line of one execution environment goes through
 * here, is kept for the report, and is fanned out to the subscribers. Events produced during init before a
 * subscriber joined are replayed to it (lambda-platform.md §3.2).
 */
import { type HubEvent, isoNow, type TelemetryEvent } from './events';
import { Subscriber, type SubscriberSummary } from './subscriber';
import type { SubscriptionConfig } from './subscription';

export class TelemetryHub {
  /** Everything the platform produced, rendered as for a Text-format, 2022-12-13 consumer of all types. */
  private readonly history: HubEvent[] = [];
  private readonly droppedEvents: TelemetryEvent[] = [];
  private initBacklog: HubEvent[] | undefined;
  private readonly subscribers = new Map<string, Subscriber>();
  /** Subscribers of previous generations (before a reset), kept for the report. */
  private readonly retired: SubscriberSummary[] = [];

  constructor(private readonly logFormat: 'Text' | 'JSON') {}

  /** A new init starts: subscriptions are open again and the backlog collects init events. */
  beginInit(): void {
    this.retireSubscribers();
    this.initBacklog = [];
  }

  get subscriptionsOpen(): boolean {
    return this.initBacklog !== undefined;
  }

  closeSubscriptions(): void {
    this.initBacklog = undefined;
  }

  platform(type: string, record: Record<string, unknown>): void {
    this.publish({ category: 'platform', time: isoNow(), type, record });
  }

  log(category: 'function' | 'extension', line: string, requestId?: string): void {
    this.publish({ category, time: isoNow(), line, requestId });
  }

  private publish(ev: HubEvent): void {
    this.history.push(ev);
    this.initBacklog?.push(ev);
    for (const s of this.subscribers.values()) s.push(ev);
  }

  hasSubscriber(name: string): boolean {
    return this.subscribers.has(name);
  }

  /** Adds (or replaces) the subscription of extension `name` and replays the init events produced so far. */
  subscribe(name: string, config: SubscriptionConfig): void {
    const previous = this.subscribers.get(name);
    if (previous) {
      previous.stop();
      this.retired.push(previous.report());
    }
    const sub = new Subscriber(name, config, this.logFormat, (ev) => this.droppedEvents.push(ev));
    this.subscribers.set(name, sub);
    for (const ev of this.initBacklog ?? []) sub.push(ev);
    this.platform('platform.telemetrySubscription', { name, state: 'Subscribed', types: config.types });
  }

  /** Stops delivery (the listeners' processes are gone) and keeps their summaries. */
  retireSubscribers(): void {
    for (const s of this.subscribers.values()) {
      s.stop();
      this.retired.push(s.report());
    }
    this.subscribers.clear();
  }

  flush(): void {
    for (const s of this.subscribers.values()) s.flush();
  }

  async idle(): Promise<void> {
    await Promise.all([...this.subscribers.values()].map((s) => s.idle()));
  }

  /** Platform events (incl. logsDropped) in emission order. */
  platformEvents(): TelemetryEvent[] {
    const out: TelemetryEvent[] = [];
    for (const ev of this.history)
      if (ev.category === 'platform') out.push({ time: ev.time, type: ev.type, record: ev.record });
    return [...out, ...this.droppedEvents].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  }

  subscriberReports(): SubscriberSummary[] {
    return [...this.retired, ...[...this.subscribers.values()].map((s) => s.report())];
  }
}

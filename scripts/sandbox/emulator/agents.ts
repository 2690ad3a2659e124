/**
 * Registered extensions ("agents" in RAPID) and their event queues. An agent is *busy* from the moment an event is
 * released to it until it calls `event/next` again; init and invoke wait for all relevant agents to be idle.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from './http-util';
import type { ManagedProcess } from './process';

export type AgentEventType = 'INVOKE' | 'SHUTDOWN';
export type AgentState =
  | 'Started'
  | 'Registered'
  | 'Ready'
  | 'Running'
  | 'InitError'
  | 'ExitError'
  | 'ShutdownFailed'
  | 'Exited'
  | 'LaunchError';

export interface Agent {
  id: string;
  name: string;
  /** External = a launched file of `<layer>/extensions`; internal = registered from inside the runtime process. */
  external: boolean;
  events: AgentEventType[];
  state: AgentState;
  busy: boolean;
  /** After init/error or exit/error no further call succeeds. */
  failed: boolean;
  waiter: ServerResponse | undefined;
  queue: Record<string, unknown>[];
  nextCalls: number;
}

/** An extension file launched from the layer, and its agent once it registered. */
export interface LaunchedExtension {
  name: string;
  path: string;
  process?: ManagedProcess;
  agent?: Agent;
  state: AgentState;
  /** Exit seen during the shutdown phase (for the report). */
  exit?: { code: number | null; signal: string | null };
}

export class AgentRegistry {
  readonly byId = new Map<string, Agent>();

  create(name: string, external: boolean, events: AgentEventType[]): Agent {
    const agent: Agent = {
      id: randomUUID(),
      name,
      external,
      events,
      state: 'Registered',
      // Busy until its first event/next: init waits for every agent to make that call.
      busy: true,
      failed: false,
      waiter: undefined,
      queue: [],
      nextCalls: 0,
    };
    this.byId.set(agent.id, agent);
    return agent;
  }

  get size(): number {
    return this.byId.size;
  }

  all(): Agent[] {
    return [...this.byId.values()];
  }

  findByName(name: string): Agent | undefined {
    return this.all().find((a) => a.name === name);
  }

  subscribedTo(type: AgentEventType): Agent[] {
    return this.all().filter((a) => a.events.includes(type));
  }

  /** Releases an event to the agent: answered at once if it is waiting in event/next, else queued. */
  release(agent: Agent, event: Record<string, unknown>): void {
    agent.busy = true;
    agent.state = 'Running';
    if (agent.waiter) this.answer(agent, event);
    else agent.queue.push(event);
  }

  /** The agent called event/next: it is done with what it had, and waits for the next event. */
  next(agent: Agent, res: ServerResponse): void {
    agent.nextCalls += 1;
    agent.busy = false;
    if (agent.state === 'Registered' || agent.state === 'Running') agent.state = 'Ready';
    if (agent.waiter && !agent.waiter.writableEnded) agent.waiter.destroy();
    agent.waiter = res;
    res.on('close', () => {
      if (agent.waiter === res) agent.waiter = undefined;
    });
    const queued = agent.queue.shift();
    if (queued) {
      agent.busy = true;
      agent.state = 'Running';
      this.answer(agent, queued);
    }
  }

  private answer(agent: Agent, event: Record<string, unknown>): void {
    const res = agent.waiter;
    agent.waiter = undefined;
    if (res) sendJson(res, 200, event, { 'Lambda-Extension-Event-Identifier': randomUUID() });
  }

  /** Drops all agents (environment reset); open long-polls are cut. */
  clear(): void {
    for (const a of this.byId.values()) a.waiter?.destroy();
    this.byId.clear();
  }
}

/**
 * The runtime's side of the Runtime API: its long-polling `/next`, the invocation queued for it, the invocation it
 * is working on and how that invocation ended. The execution environment decides *when*; this decides *what* the
 * runtime is told and which answers are valid.
 */
import type { ServerResponse } from 'node:http';
import { MAX_PAYLOAD_BYTES } from './constants';
import type { HostAnswer, RuntimeErrorReport } from './runtime-api';

export type Outcome =
  | { kind: 'response'; body: Buffer; contentType: string; receivedAt: number; answeredAt: number }
  | { kind: 'error'; errorType: string; body: Record<string, unknown>; receivedAt: number; answeredAt: number };

export interface Invocation {
  requestId: string;
  payload: Buffer;
  deadlineMs: number;
  invokedFunctionArn: string;
  traceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
  startedAt: number;
  startedIso: string;
  outcome?: Outcome;
  /** The oversized response was refused with 413; a following /error for the same id is accepted silently. */
  oversized: boolean;
  /** The runtime called /next after this invocation. */
  runtimeReturned: boolean;
}

export function invalidState(): HostAnswer {
  return {
    ok: false,
    status: 403,
    errorType: 'InvalidStateTransition',
    errorMessage: 'State transition is not allowed',
  };
}

export class RuntimeChannel {
  /** `/next` calls since the last reset (the first one closes extension registration). */
  nextCalls = 0;
  current: Invocation | undefined;
  private waiter: ServerResponse | undefined;
  private queued: Invocation | undefined;

  /** `onChange` is called whenever an invocation gets an outcome or the runtime asks for the next one. */
  constructor(private readonly onChange: () => void) {}

  reset(): void {
    this.nextCalls = 0;
    this.waiter?.destroy();
    this.waiter = undefined;
    this.queued = undefined;
    this.current = undefined;
  }

  /** Hands the invocation to the runtime now if it waits in /next, else when it next asks. */
  release(inv: Invocation): void {
    this.queued = inv;
    this.deliver();
  }

  /** GET /next: ends the current invocation (if any) and waits for the next one. */
  next(res: ServerResponse): void {
    this.nextCalls += 1;
    const inv = this.current;
    if (inv) {
      inv.runtimeReturned = true;
      if (!inv.outcome) {
        inv.outcome = errorOutcome('Runtime.NoResponse', 'runtime asked for the next event without answering');
      }
      this.current = undefined;
    }
    this.waiter?.destroy();
    this.waiter = res;
    res.on('close', () => {
      if (this.waiter === res) this.waiter = undefined;
    });
    this.deliver();
    this.onChange();
  }

  respond(requestId: string, body: Buffer, contentType: string, receivedAt: number): HostAnswer {
    const inv = this.invocationFor(requestId);
    if ('ok' in inv) return inv;
    if (inv.outcome) return invalidState();
    inv.outcome = { kind: 'response', body, contentType, receivedAt, answeredAt: performance.now() };
    this.onChange();
    return { ok: true };
  }

  responseTooLarge(requestId: string, size: number): HostAnswer {
    const inv = this.invocationFor(requestId);
    if ('ok' in inv) return inv;
    if (inv.outcome) return invalidState();
    const errorMessage = `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_PAYLOAD_BYTES} bytes).`;
    inv.oversized = true;
    inv.outcome = errorOutcome('Function.ResponseSizeTooLarge', errorMessage);
    this.onChange();
    return { ok: false, status: 413, errorType: 'RequestEntityTooLarge', errorMessage };
  }

  error(requestId: string, report: RuntimeErrorReport): HostAnswer {
    const inv = this.invocationFor(requestId);
    if ('ok' in inv) return inv;
    if (inv.oversized) return { ok: true };
    if (inv.outcome) return invalidState();
    const now = performance.now();
    inv.outcome = { kind: 'error', errorType: report.errorType, body: report.body, receivedAt: now, answeredAt: now };
    this.onChange();
    return { ok: true };
  }

  private invocationFor(requestId: string): Invocation | HostAnswer {
    const inv = this.current;
    if (!inv || inv.requestId !== requestId) {
      return {
        ok: false,
        status: 400,
        errorType: 'InvalidRequestID',
        errorMessage: `Invalid request ID: ${requestId}`,
      };
    }
    return inv;
  }

  private deliver(): void {
    const inv = this.queued;
    const res = this.waiter;
    if (!inv || !res) return;
    this.queued = undefined;
    this.waiter = undefined;
    this.current = inv;
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': inv.payload.length,
      'Lambda-Runtime-Aws-Request-Id': inv.requestId,
      'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': inv.invokedFunctionArn,
    };
    // Empty headers are omitted (lambda-platform.md §4).
    if (inv.traceId) headers['Lambda-Runtime-Trace-Id'] = inv.traceId;
    if (inv.clientContext) headers['Lambda-Runtime-Client-Context'] = inv.clientContext;
    if (inv.cognitoIdentity) headers['Lambda-Runtime-Cognito-Identity'] = inv.cognitoIdentity;
    res.writeHead(200, headers);
    res.end(inv.payload);
  }
}

function errorOutcome(errorType: string, errorMessage: string): Outcome {
  const now = performance.now();
  return { kind: 'error', errorType, body: { errorType, errorMessage }, receivedAt: now, answeredAt: now };
}

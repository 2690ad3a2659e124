/** The ordered log of every request the stand-ins received (what `AwsStack.calls()` returns). */

import { redactSecrets } from './redact';
import type { AwsCall, AwsService } from './types';

/** Status recorded for a request that never got an answer (hang fault, or the stack stopped first). */
export const NO_RESPONSE = 0;

export class CallLog {
  private readonly entries: AwsCall[] = [];

  /** Records a request at arrival (so the order is arrival order); call the returned function with the status. */
  begin(service: AwsService, operation: string, request: unknown): (status: number) => void {
    const entry: AwsCall = {
      service,
      operation,
      time: new Date().toISOString(),
      status: NO_RESPONSE,
      request: redactSecrets(request),
    };
    this.entries.push(entry);
    return (status) => {
      entry.status = status;
    };
  }

  list(): AwsCall[] {
    return this.entries.map((e) => ({ ...e }));
  }
}

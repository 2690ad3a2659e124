/**
 * Slack incoming webhook: POST with a bounded timeout; 429 honours Retry-After when it fits before the
 * deadline; 5xx and network errors are retried with jittered backoff. The webhook URL is a secret: it never
 * appears in errors or logs.
 */

export interface SlackResult {
  ok: boolean;
  attempts: number;
  status?: number;
  /** Short, secret-free reason when not ok. */
  error?: string;
}

const ATTEMPT_TIMEOUT_MS = 2000;
const MAX_ATTEMPTS = 5;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function postSlack(
  url: string,
  payload: unknown,
  deadline: number,
  onRetry?: (why: string, attempt: number, delayMs: number) => void,
): Promise<SlackResult> {
  const { request } = require('undici') as typeof import('undici');
  const body = JSON.stringify(payload);
  let last = 'no attempt';
  let status: number | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining < 20) return { ok: false, attempts: attempt - 1, status, error: `deadline reached (${last})` };
    let delay: number;
    try {
      const timeout = Math.floor(Math.min(ATTEMPT_TIMEOUT_MS, remaining, Math.max(250, remaining / 2)));
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
      status = res.statusCode;
      await res.body.text().catch(() => '');
      if (status >= 200 && status < 300) return { ok: true, attempts: attempt, status };
      last = `HTTP ${status}`;
      if (status === 429) {
        const ra = Number(res.headers['retry-after']);
        delay = Number.isFinite(ra) && ra >= 0 ? ra * 1000 : 500;
        if (Date.now() + delay > deadline - 20)
          return {
            ok: false,
            attempts: attempt,
            status,
            error: `rate limited: Retry-After ${delay} ms exceeds the deadline`,
          };
      } else if (status >= 500) {
        delay = Math.random() * Math.min(1000, 50 * 2 ** attempt);
      } else {
        return { ok: false, attempts: attempt, status, error: last };
      }
    } catch (e) {
      const err = e as { name?: string; code?: string };
      last = err.code ?? err.name ?? 'network error';
      status = undefined;
      delay = Math.random() * Math.min(1000, 50 * 2 ** attempt);
    }
    if (attempt === MAX_ATTEMPTS) break;
    if (Date.now() + delay > deadline - 20)
      return { ok: false, attempts: attempt, status, error: `deadline reached (${last})` };
    onRetry?.(last, attempt, Math.round(delay));
    await sleep(delay);
  }
  return { ok: false, attempts: MAX_ATTEMPTS, status, error: last };
}

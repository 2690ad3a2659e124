/**
 * Slack incoming-webhook receiver. Answers like hooks.slack.com: `ok` (200, text) for a JSON payload with text or
 * blocks; `invalid_payload` (400) for a body that is not JSON; `no_text` (400) without text/blocks/attachments;
 * `no_service` (404) for any other path. Form posts with a `payload=` field are accepted as Slack does.
 */
import { type BufferedRequest, bodyText, type HttpReply, header } from './http';

/** The decoded payload or undefined if the body is not a JSON object (directly or in a `payload` form field). */
export function slackPayload(req: BufferedRequest): Record<string, unknown> | undefined {
  let text = bodyText(req);
  if ((header(req, 'content-type') ?? '').includes('application/x-www-form-urlencoded')) {
    text = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const textReply = (status: number, body: string, headers: Record<string, string> = {}): HttpReply => ({
  status,
  headers: { 'content-type': 'text/html', ...headers },
  body,
});

export function slackThrottleReply(): HttpReply {
  return textReply(429, 'rate_limited', { 'retry-after': '1' });
}

export function slackServerErrorReply(): HttpReply {
  return textReply(500, 'rollup_error');
}

export class SlackReceiver {
  private readonly accepted: unknown[] = [];

  constructor(private readonly webhookPath: string) {}

  messages(): unknown[] {
    return [...this.accepted];
  }

  handle(req: BufferedRequest): HttpReply {
    const path = new URL(req.url, 'http://slack.local').pathname;
    if (path !== this.webhookPath) return textReply(404, 'no_service');
    if (req.method !== 'POST') return textReply(405, 'invalid_method');
    const payload = slackPayload(req);
    if (!payload) return textReply(400, 'invalid_payload');
    const hasContent = ['text', 'blocks', 'attachments'].some((k) => payload[k] !== undefined && payload[k] !== '');
    if (!hasContent) return textReply(400, 'no_text');
    this.accepted.push(payload);
    return textReply(200, 'ok');
  }
}

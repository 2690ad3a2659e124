/**
 * Extensions API 2020-01-01 (lambda-platform.md §2) plus the subscription endpoints that need an extension
 * identity (Telemetry API 2022-07-01, Logs API 2020-08-15). Request validation and status codes live here; the
 * lifecycle state lives in the host.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Agent, AgentEventType } from './agents';
import { header, parseJsonObject, readBody, sendError, sendJson, UUID_RE } from './http-util';
import type { HostAnswer } from './runtime-api';

const BODY_LIMIT = 1024 * 1024;

export interface RegisterRequest {
  name: string;
  events: AgentEventType[];
  acceptAccountId: boolean;
}

export type RegisterAnswer =
  | { ok: true; agent: Agent; body: Record<string, unknown> }
  | { ok: false; status: number; errorType: string; errorMessage: string };

export interface ExtensionsApiHost {
  register(r: RegisterRequest): RegisterAnswer;
  agentById(id: string): Agent | undefined;
  eventNext(agent: Agent, res: ServerResponse): void;
  extensionError(
    agent: Agent,
    kind: 'init' | 'exit',
    errorType: string,
    body: Record<string, unknown> | undefined,
  ): HostAnswer;
  subscribe(agent: Agent, api: 'telemetry' | 'logs', body: Record<string, unknown>): HostAnswer;
}

const VALID_EVENTS: readonly string[] = ['INVOKE', 'SHUTDOWN'];

function reply(res: ServerResponse, a: HostAnswer, okStatus: number, okBody: unknown): void {
  if (a.ok) sendJson(res, okStatus, okBody);
  else sendError(res, a.status, a.errorType, a.errorMessage);
}

async function register(host: ExtensionsApiHost, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = header(req, 'Lambda-Extension-Name') ?? '';
  const { body } = await readBody(req, BODY_LIMIT);
  if (name.trim() === '') return sendError(res, 403, 'Extension.InvalidExtensionName', 'Empty extension name');
  const parsed = parseJsonObject(body);
  if (!parsed) return sendError(res, 403, 'InvalidRequestFormat', 'Request body is not a JSON object');
  if ('configurationKeys' in parsed) {
    return sendError(res, 403, 'InvalidRequestFormat', 'configurationKeys is not supported');
  }
  const events = parsed.events ?? [];
  if (!Array.isArray(events) || events.some((e) => typeof e !== 'string' || !VALID_EVENTS.includes(e))) {
    return sendError(res, 403, 'Extension.InvalidEventType', `Invalid event types: ${JSON.stringify(events)}`);
  }
  const features = (header(req, 'Lambda-Extension-Accept-Feature') ?? '').split(',').map((s) => s.trim());
  const a = host.register({
    name,
    events: [...new Set(events as AgentEventType[])],
    acceptAccountId: features.includes('accountId'),
  });
  if (!a.ok) return sendError(res, a.status, a.errorType, a.errorMessage);
  sendJson(res, 200, a.body, { 'Lambda-Extension-Identifier': a.agent.id });
}

/** Resolves the `Lambda-Extension-Identifier` header, or answers the documented 403 and returns undefined. */
export function identify(host: ExtensionsApiHost, req: IncomingMessage, res: ServerResponse): Agent | undefined {
  const id = header(req, 'Lambda-Extension-Identifier');
  if (!id) {
    sendError(res, 403, 'Extension.MissingExtensionIdentifier', 'Missing Lambda-Extension-Identifier header');
    return undefined;
  }
  if (!UUID_RE.test(id)) {
    sendError(res, 403, 'Extension.InvalidExtensionIdentifier', 'Invalid Lambda-Extension-Identifier');
    return undefined;
  }
  const agent = host.agentById(id);
  if (!agent) sendError(res, 403, 'Extension.UnknownExtensionIdentifier', 'Unknown extension identifier');
  return agent;
}

/** `path` is the full request path. Returns false when it is not one of these routes. */
export async function handleExtensionsApi(
  host: ExtensionsApiHost,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const route = `${method} ${path}`;
  const known = [
    'POST /2020-01-01/extension/register',
    'GET /2020-01-01/extension/event/next',
    'POST /2020-01-01/extension/init/error',
    'POST /2020-01-01/extension/exit/error',
    'PUT /2022-07-01/telemetry',
    'PUT /2020-08-15/logs',
  ];
  if (!known.includes(route)) {
    if (known.some((k) => k.endsWith(` ${path}`))) {
      sendError(res, 405, 'MethodNotAllowed', 'method not allowed');
      return true;
    }
    return false;
  }
  if (route === 'POST /2020-01-01/extension/register') {
    await register(host, req, res);
    return true;
  }
  const agent = identify(host, req, res);
  if (!agent) {
    req.resume();
    return true;
  }
  if (route === 'GET /2020-01-01/extension/event/next') {
    if (agent.failed) {
      sendError(res, 403, 'Extension.InvalidExtensionState', 'Extension reported an error and may not continue');
    } else host.eventNext(agent, res);
    return true;
  }
  const { body } = await readBody(req, BODY_LIMIT);
  if (route === 'PUT /2022-07-01/telemetry' || route === 'PUT /2020-08-15/logs') {
    const api = route.endsWith('telemetry') ? 'telemetry' : 'logs';
    const parsed = parseJsonObject(body);
    const validationType = api === 'telemetry' ? 'ValidationError' : 'Logs.ValidationError';
    if (!parsed) sendError(res, 400, validationType, 'Request body is not a JSON object');
    else reply(res, host.subscribe(agent, api, parsed), 200, 'OK');
    return true;
  }
  const errorType = header(req, 'Lambda-Extension-Function-Error-Type');
  if (!errorType) {
    sendError(res, 403, 'Extension.MissingHeader', 'Missing Lambda-Extension-Function-Error-Type header');
    return true;
  }
  const kind = route.includes('/init/') ? 'init' : 'exit';
  reply(res, host.extensionError(agent, kind, errorType, body.length > 0 ? parseJsonObject(body) : undefined), 202, {
    status: 'OK',
  });
  return true;
}

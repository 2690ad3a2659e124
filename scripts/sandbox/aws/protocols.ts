/**
 * Per-service wire knowledge the fronts need: how to name a request's operation and decode its input for the call
 * log, and what AWS answers when it throttles or fails (each in that service's own protocol format).
 */
import { randomUUID } from 'node:crypto';
import { cloudwatchError, cloudwatchInput, cloudwatchOperation } from './cloudwatch';
import { type BufferedRequest, bodyText, type HttpReply, header } from './http';
import { describeLambdaRequest, lambdaErrorReply } from './lambda-api';
import { decodeQueryForm } from './query-form';
import { slackPayload, slackServerErrorReply, slackThrottleReply } from './slack';
import type { AwsService } from './types';

export interface DescribedRequest {
  service: AwsService;
  operation: string;
  request: unknown;
}

export interface ServiceProtocol {
  /** The service a request to this front is logged under when it cannot be decoded at all. */
  service: AwsService;
  describe(req: BufferedRequest): DescribedRequest;
  faultReply(kind: 'throttle' | 'error5xx', operation: string): HttpReply;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { unparsableBody: text.slice(0, 200) };
  }
}

/** AWS JSON 1.0 `x-amz-target: Prefix.Operation` → Operation. */
function targetOperation(req: BufferedRequest): string {
  const target = header(req, 'x-amz-target') ?? '';
  const dot = target.lastIndexOf('.');
  return dot >= 0 ? target.slice(dot + 1) : 'Unknown';
}

function awsJsonError(
  status: number,
  type: string,
  message: string,
  extraHeaders: Record<string, string> = {},
): HttpReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), ...extraHeaders },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** DynamoDB's data-plane operations throttle with ProvisionedThroughputExceededException; the rest with ThrottlingException. */
const DYNAMODB_DATA_PLANE = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

export const dynamodbProtocol: ServiceProtocol = {
  service: 'dynamodb',
  describe: (req) => ({ service: 'dynamodb', operation: targetOperation(req), request: parseJson(bodyText(req)) }),
  faultReply: (kind, operation) => {
    if (kind === 'error5xx') {
      return awsJsonError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error');
    }
    return DYNAMODB_DATA_PLANE.has(operation)
      ? awsJsonError(
          400,
          'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        )
      : awsJsonError(
          400,
          'com.amazon.coral.availability#ThrottlingException',
          'Rate of requests exceeds the allowed throughput.',
        );
  },
};

function snsXmlError(status: number, type: 'Sender' | 'Receiver', code: string, message: string): HttpReply {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type>` +
      `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export const snsProtocol: ServiceProtocol = {
  service: 'sns',
  describe: (req) => {
    const { Action, Version: _version, ...input } = decodeQueryForm(bodyText(req));
    return { service: 'sns', operation: typeof Action === 'string' ? Action : 'Unknown', request: input };
  },
  faultReply: (kind) =>
    kind === 'throttle'
      ? snsXmlError(400, 'Sender', 'Throttling', 'Rate exceeded')
      : snsXmlError(500, 'Receiver', 'InternalError', 'Internal Error'),
};

export const sqsProtocol: ServiceProtocol = {
  service: 'sqs',
  describe: (req) => ({ service: 'sqs', operation: targetOperation(req), request: parseJson(bodyText(req)) }),
  faultReply: (kind) =>
    kind === 'throttle'
      ? awsJsonError(400, 'com.amazonaws.sqs#ThrottlingException', 'Rate exceeded', {
          'x-amzn-query-error': 'ThrottlingException;Sender',
        })
      : awsJsonError(500, 'com.amazonaws.sqs#InternalError', 'We encountered an internal error. Please try again.', {
          'x-amzn-query-error': 'InternalError;Receiver',
        }),
};

export const lambdaProtocol: ServiceProtocol = {
  service: 'lambda',
  describe: (req) => {
    const { operation, input } = describeLambdaRequest(req);
    return { service: 'lambda', operation, request: input };
  },
  faultReply: (kind) =>
    kind === 'throttle'
      ? lambdaErrorReply(429, 'TooManyRequestsException', 'Rate exceeded', 'User')
      : lambdaErrorReply(500, 'ServiceException', 'An internal error occurred. Please try again.', 'Service'),
};

export const cloudwatchProtocol: ServiceProtocol = {
  service: 'cloudwatch',
  describe: (req) => ({
    service: 'cloudwatch',
    operation: cloudwatchOperation(req),
    request: cloudwatchInput(req) ?? { unparsableBody: true },
  }),
  faultReply: (kind) =>
    kind === 'throttle'
      ? cloudwatchError(400, 'com.amazon.coral.availability#ThrottlingException', 'Throttling', 'Rate exceeded')
      : cloudwatchError(
          500,
          'com.amazonaws.cloudwatch#InternalServiceFault',
          'InternalServiceError',
          'Internal service error',
        ),
};

export const slackProtocol: ServiceProtocol = {
  service: 'slack',
  describe: (req) => ({
    service: 'slack',
    operation: 'IncomingWebhook',
    request: slackPayload(req) ?? { invalidPayload: true },
  }),
  faultReply: (kind) => (kind === 'throttle' ? slackThrottleReply() : slackServerErrorReply()),
};

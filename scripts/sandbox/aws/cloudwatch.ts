/**
 * CloudWatch PutMetricData fake. The installed @aws-sdk/client-cloudwatch speaks AWS JSON 1.0 with the
 * awsQueryCompatible trait (`POST /`, `x-amz-target: GraniteServiceVersion20100801.<Op>`, timestamps in epoch
 * seconds, bodies of 10 KiB or more gzip-encoded), so errors carry `x-amzn-query-error: <QueryCode>;<Sender|Receiver>`.
 */
import { randomUUID } from 'node:crypto';
import { type BufferedRequest, bodyText, type HttpReply, header } from './http';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const MAX_METRIC_DATA = 1000;

export function cloudwatchOperation(req: BufferedRequest): string {
  const target = header(req, 'x-amz-target') ?? '';
  return target.startsWith(CLOUDWATCH_TARGET_PREFIX) ? target.slice(CLOUDWATCH_TARGET_PREFIX.length) : 'Unknown';
}

/** The decoded JSON input, or undefined when the body is not JSON. */
export function cloudwatchInput(req: BufferedRequest): unknown {
  try {
    const text = bodyText(req);
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function cloudwatchError(status: number, shapeId: string, queryCode: string, message: string): HttpReply {
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}`,
    },
    body: JSON.stringify({ __type: shapeId, message }),
  };
}

const invalidParameter = (message: string) =>
  cloudwatchError(400, 'com.amazonaws.cloudwatch#InvalidParameterValueException', 'InvalidParameterValue', message);

export class CloudWatchFake {
  private readonly accepted: unknown[] = [];

  metricData(): unknown[] {
    return [...this.accepted];
  }

  handle(req: BufferedRequest): HttpReply {
    const operation = cloudwatchOperation(req);
    if (req.method !== 'POST' || operation !== 'PutMetricData') {
      return cloudwatchError(
        400,
        'com.amazon.coral.service#UnknownOperationException',
        'UnknownOperation',
        `Operation ${operation} is not supported by this fake`,
      );
    }
    const input = cloudwatchInput(req) as { Namespace?: unknown; MetricData?: unknown } | undefined;
    if (!input || typeof input !== 'object') {
      return cloudwatchError(
        400,
        'com.amazon.coral.service#SerializationException',
        'SerializationException',
        'Malformed JSON body',
      );
    }
    if (typeof input.Namespace !== 'string' || input.Namespace === '')
      return invalidParameter('The parameter Namespace is required.');
    if (input.Namespace.startsWith('AWS/'))
      return invalidParameter('The value AWS/ for parameter Namespace is invalid.');
    if (!Array.isArray(input.MetricData) || input.MetricData.length === 0) {
      return invalidParameter('The parameter MetricData is required.');
    }
    if (input.MetricData.length > MAX_METRIC_DATA) {
      return invalidParameter(`The collection MetricData must not have a size greater than ${MAX_METRIC_DATA}.`);
    }
    for (const [i, datum] of input.MetricData.entries()) {
      const name = (datum as { MetricName?: unknown } | null)?.MetricName;
      if (typeof name !== 'string' || name === '')
        return invalidParameter(`The parameter MetricData.member.${i + 1}.MetricName is required.`);
    }
    this.accepted.push(input);
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
      body: '{}',
    };
  }
}

/**
 * Local AWS stand-ins for the Lambda sandbox: DynamoDB (dynalite), SNS→SQS (fauxqs), a Lambda control-plane fake,
 * a CloudWatch PutMetricData fake and a Slack incoming-webhook receiver, each behind a recording, fault-injecting
 * front on 127.0.0.1 (front.ts). Production code reaches them only through the standard AWS_ENDPOINT_URL_* variables
 * in `env`. What is faithful and what is not: README.md beside this file.
 */
import { randomBytes } from 'node:crypto';
import { CallLog } from './call-log';
import { CloudWatchFake } from './cloudwatch';
import { DynamoBackend } from './dynamodb';
import { Forwarder } from './forward';
import { Front } from './front';
import { handleLambdaRequest } from './lambda-api';
import { LambdaFunctions } from './lambda-functions';
import {
  cloudwatchProtocol,
  dynamodbProtocol,
  lambdaProtocol,
  slackProtocol,
  snsProtocol,
  sqsProtocol,
} from './protocols';
import { SlackReceiver } from './slack';
import { FauxqsBackend } from './sns-sqs';
import type { AwsStack, FaultableService } from './types';

export type { AwsCall, AwsService, AwsStack, Fault, FaultableService } from './types';

/** fauxqs puts this account in every SNS/SQS ARN, so it is the default for the whole stack. */
export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

export async function startAwsStack(opts: { region?: string; accountId?: string } = {}): Promise<AwsStack> {
  const region = opts.region ?? DEFAULT_REGION;
  const accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID;
  const log = new CallLog();
  const functions = new LambdaFunctions(region, accountId);
  const cloudwatch = new CloudWatchFake();
  // The webhook path carries a random secret, like a real Slack URL; other paths get 404 no_service.
  const webhookPath = `/services/T0SANDBOX/B0SANDBOX/${randomBytes(12).toString('hex')}`;
  const slack = new SlackReceiver(webhookPath);

  const started: Stoppable[] = [];
  try {
    const dynamo = new Deferred<DynamoBackend>();
    const fauxqs = new Deferred<FauxqsBackend>();
    // Everything starts in parallel; the fronts of dynalite and fauxqs forward once their backend is up.
    const fauxqsForwarder = fauxqs.promise.then((f) => new Forwarder(f.port));
    fauxqsForwarder.catch(() => {}); // a fauxqs failure is reported by startAll
    const [, , dynamoFront, snsFront, sqsFront, lambdaFront, cloudwatchFront, slackFront] = await startAll(started, [
      dynamo.from(DynamoBackend.start()),
      fauxqs.from(FauxqsBackend.start(region)),
      Front.start({ protocol: dynamodbProtocol, backend: async (req) => (await dynamo.promise).backend(req), log }),
      Front.start({ protocol: snsProtocol, backend: async (req) => (await fauxqsForwarder).send(req), log }),
      Front.start({ protocol: sqsProtocol, backend: async (req) => (await fauxqsForwarder).send(req), log }),
      Front.start({ protocol: lambdaProtocol, backend: (req) => handleLambdaRequest(functions, req), log }),
      Front.start({ protocol: cloudwatchProtocol, backend: (req) => cloudwatch.handle(req), log }),
      Front.start({ protocol: slackProtocol, backend: (req) => slack.handle(req), log }),
    ] as const);
    const forwarder = await fauxqsForwarder;
    started.push({ stop: async () => forwarder.close() });
    const fauxqsBackend = await fauxqs.promise;

    const fronts: Record<FaultableService, Front> = {
      dynamodb: dynamoFront,
      sns: snsFront,
      lambda: lambdaFront,
      cloudwatch: cloudwatchFront,
      slack: slackFront,
    };
    const endpoints = {
      dynamodb: dynamoFront.url,
      sns: snsFront.url,
      sqs: sqsFront.url,
      lambda: lambdaFront.url,
      cloudwatch: cloudwatchFront.url,
      slack: slackFront.url,
    };
    let stopping: Promise<void> | undefined;
    return {
      env: {
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: 'ASIASANDBOXFAKEKEY00',
        AWS_SECRET_ACCESS_KEY: 'sandbox-fake-secret-access-key-not-a-secret',
        AWS_SESSION_TOKEN: 'sandbox-fake-session-token',
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SNS: endpoints.sns,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda,
        AWS_ENDPOINT_URL_CLOUDWATCH: endpoints.cloudwatch,
      },
      endpoints,
      slackWebhookUrl: `${endpoints.slack}${webhookPath}`,
      accountId,
      region,
      calls: () => log.list(),
      slackMessages: () => slack.messages(),
      metricData: () => cloudwatch.metricData(),
      lambda: {
        ensureFunction: (name, environment) => functions.ensure(name, environment),
        backdate: (name, ms) => functions.backdate(name, ms),
        getFunction: (name) => {
          const fn = functions.get(name);
          if (!fn) return undefined;
          return {
            environment: { ...fn.environment },
            revisionId: fn.revisionId,
            codeSha256: String(fn.settings.CodeSha256),
            lastModified: fn.lastModified,
            ...(fn.reservedConcurrency !== undefined ? { reservedConcurrency: fn.reservedConcurrency } : {}),
          };
        },
      },
      setFault: (service, fault, faultOpts) => {
        const front = fronts[service];
        if (!front) throw new Error(`setFault: unknown service ${String(service)}`);
        front.setFault(fault, faultOpts?.count);
      },
      createTopicWithQueue: (topicName, queueName) =>
        fauxqsBackend.createTopicWithQueue(topicName, queueName, sqsFront.url),
      stop: () => {
        stopping ??= stopAll(started);
        return stopping;
      },
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

interface Stoppable {
  stop(): Promise<void>;
}

/** A promise settled from another, kept apart so fronts can await their backend while both start. */
class Deferred<T> {
  private resolveFn!: (v: T) => void;
  private rejectFn!: (e: unknown) => void;
  readonly promise = new Promise<T>((resolve, reject) => {
    this.resolveFn = resolve;
    this.rejectFn = reject;
  });

  constructor() {
    this.promise.catch(() => {}); // the failure is reported by startAll, not as an unhandled rejection
  }

  from(p: Promise<T>): Promise<T> {
    p.then(this.resolveFn, this.rejectFn);
    return p;
  }
}

/** Waits for every part; on any failure stops those that did start and rethrows the first error. */
async function startAll<T extends readonly Promise<Stoppable>[]>(
  started: Stoppable[],
  parts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(parts);
  for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<Stoppable>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** Stops fronts first (so nothing new reaches a backend), then backends; one failure does not leave others running. */
async function stopAll(parts: Stoppable[]): Promise<void> {
  const fronts = parts.filter((p) => p instanceof Front);
  const rest = parts.filter((p) => !(p instanceof Front));
  const results = [
    ...(await Promise.allSettled(fronts.map((p) => p.stop()))),
    ...(await Promise.allSettled(rest.map((p) => p.stop()))),
  ];
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

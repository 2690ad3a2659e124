/** The public shapes of the AWS stand-ins (re-exported by index.ts; kept apart so modules avoid an import cycle). */

export type AwsService = 'dynamodb' | 'sns' | 'sqs' | 'lambda' | 'cloudwatch' | 'slack';
export type FaultableService = 'dynamodb' | 'sns' | 'lambda' | 'cloudwatch' | 'slack';

export interface AwsCall {
  service: AwsService;
  operation: string;
  time: string;
  status: number;
  request: unknown;
}

export type Fault =
  | { kind: 'none' }
  | { kind: 'throttle' }
  | { kind: 'error5xx' }
  | { kind: 'hang' }
  | { kind: 'latency'; ms: number }
  | { kind: 'unreachable' };

export interface AwsStack {
  /** AWS_REGION, AWS_DEFAULT_REGION, fake credentials, AWS_ENDPOINT_URL_{DYNAMODB,SNS,SQS,LAMBDA,CLOUDWATCH}. */
  env: Record<string, string>;
  endpoints: { dynamodb: string; sns: string; sqs: string; lambda: string; cloudwatch: string; slack: string };
  slackWebhookUrl: string;
  accountId: string;
  region: string;
  /** Every call every stand-in received, in arrival order (secrets in bodies redacted). */
  calls(): AwsCall[];
  /** Parsed JSON bodies the Slack receiver accepted. */
  slackMessages(): unknown[];
  /** Decoded PutMetricData inputs. */
  metricData(): unknown[];
  lambda: {
    /** Creates the function if absent; an existing function keeps its configuration. */
    ensureFunction(name: string, environment: Record<string, string>): void;
    /** Test set-up: the function's last update completed `ms` ago (as if deployed long before this cold start). */
    backdate(name: string, ms: number): void;
    getFunction(name: string):
      | {
          environment: Record<string, string>;
          revisionId: string;
          codeSha256: string;
          lastModified: string;
          reservedConcurrency?: number;
        }
      | undefined;
  };
  /** count = the next N requests only, then back to none. */
  setFault(service: FaultableService, fault: Fault, opts?: { count?: number }): void;
  /** An SNS topic subscribed to an SQS queue (raw delivery off: the queue receives the real SNS envelope). */
  createTopicWithQueue(topicName: string, queueName: string): Promise<{ topicArn: string; queueUrl: string }>;
  stop(): Promise<void>;
}

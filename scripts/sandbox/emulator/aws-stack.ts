/**
 * The part of the local AWS stand-ins (scripts/sandbox/aws, `startAwsStack()`) the emulator uses. Declared here
 * structurally so the emulator does not depend on that module's internals.
 */
export interface AwsStackLike {
  /** AWS_ENDPOINT_URL_*, AWS_REGION, fake credentials. */
  env: Record<string, string>;
  slackWebhookUrl: string;
  accountId?: string;
  /** Every call the stand-ins received (shape owned by scripts/sandbox/aws). */
  calls(): unknown[];
  lambda: {
    ensureFunction(name: string, environment: Record<string, string>): void;
    getFunction(
      name: string,
    ): { environment: Record<string, string>; revisionId: string; reservedConcurrency?: number } | undefined;
  };
  stop(): Promise<void>;
}

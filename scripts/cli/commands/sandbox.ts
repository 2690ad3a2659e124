/**
 * `sentinel sandbox`: runs one Lambda execution environment locally — init, one invoke per --event, shutdown —
 * with the local AWS stand-ins (unless --no-aws), and prints a report.
 */
import { startAwsStack } from '../../sandbox/aws';
import { type AwsStackLike, createFunctionEnvironment, type FunctionEnvironment } from '../../sandbox/emulator';
import { parseSandboxArgs, SANDBOX_USAGE } from '../sandbox-args';
import { buildReport, formatSummary } from '../sandbox-output';

export const summary = 'run a function (and a layer) in a local Lambda execution environment';
export const usage = SANDBOX_USAGE;

export async function run(
  argv: string[],
  _env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = console.log,
): Promise<number> {
  const args = parseSandboxArgs(argv);
  let aws: AwsStackLike | undefined;
  let fn: FunctionEnvironment | undefined;
  const cleanup = async () => {
    await fn?.dispose();
    await aws?.stop();
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const env = { ...args.env };
    if (args.aws) {
      const stack = await startAwsStack();
      aws = stack;
      // Alerts go to the local Slack receiver unless the user chose a URL.
      env.SENTINEL_SLACK_WEBHOOK_URL ??= stack.slackWebhookUrl;
    }
    fn = await createFunctionEnvironment({
      codeDir: args.codeDir,
      handler: args.handler,
      layerDir: args.layerDir,
      env,
      node: args.node,
      runtime: args.runtime,
      timeoutMs: args.timeoutMs,
      memoryMb: args.memoryMb,
      functionName: args.functionName,
      logFormat: args.logFormat,
      aws,
    });
    await fn.init();
    for (const event of args.events) await fn.invoke(event);
    const report = await fn.shutdown();
    // Calls made during SHUTDOWN count too, so read them after the environment is gone.
    const rep = buildReport(args, report, aws?.calls() ?? []);
    out(args.json ? JSON.stringify(rep, null, 2) : formatSummary(rep));
    return 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

/**
 * Programmatic API of the Lambda sandbox emulator (used by the CLI and the tests).
 *
 *   const env = await createFunctionEnvironment({ codeDir, handler: 'index.handler', layerDir });
 *   const r = await env.invoke({ a: 1 });
 *   const report = await env.shutdown();
 *   await env.dispose();
 *
 * Each call creates one independent execution environment (own API port, processes and /tmp), so several
 * environments of the same function can run side by side (a fleet).
 */
import { rmSync } from 'node:fs';
import { ExecutionEnvironment, type InvokeOptions } from './environment';
import { type FunctionEnvironmentOptions, resolveOptions } from './options';
import type { EnvironmentReport, InitRecord, InvocationResult } from './report';

export type { AwsStackLike } from './aws-stack';
export { extensionEnvironment, mapOptPaths, runtimeEnvironment } from './env';
export type { InvokeOptions } from './environment';
export { defaultBootstrap, type FunctionEnvironmentOptions, repoRoot } from './options';
export * from './report';
export type { TelemetryEvent } from './telemetry/events';
export type { SubscriberSummary } from './telemetry/subscriber';

export interface FunctionEnvironment {
  /** AWS_LAMBDA_RUNTIME_API of this environment (`127.0.0.1:<port>`). */
  readonly runtimeApi: string;
  /** The environment's /tmp (exported as TMPDIR); survives warm invokes and resets. */
  readonly tmpDir: string;
  init(): Promise<InitRecord>;
  invoke(event: unknown, options?: InvokeOptions): Promise<InvocationResult>;
  /** Waits until the background end of the last invoke phase (runtimeDone, extensions, report, resets) is over. */
  settled(): Promise<void>;
  report(): EnvironmentReport;
  shutdown(): Promise<EnvironmentReport>;
  /** Shuts down if needed and removes the tmp dir. */
  dispose(): Promise<void>;
}

export async function createFunctionEnvironment(options: FunctionEnvironmentOptions): Promise<FunctionEnvironment> {
  const resolved = resolveOptions(options);
  const { aws, functionName } = resolved;
  if (aws && !aws.lambda.getFunction(functionName)) aws.lambda.ensureFunction(functionName, resolved.env);
  const env = await ExecutionEnvironment.start(resolved);
  let disposed = false;
  return {
    runtimeApi: env.runtimeApi,
    tmpDir: env.tmpDir,
    init: () => env.init(),
    invoke: (event, o) => env.invoke(event, o),
    settled: () => env.settled(),
    report: () => env.report(),
    shutdown: () => env.shutdown(),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await env.shutdown();
      if (!options.tmpDir) rmSync(resolved.tmpDir, { recursive: true, force: true });
    },
  };
}

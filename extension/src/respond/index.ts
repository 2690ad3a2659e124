/**
 * Respond stage entry: `createResponder(ctx)` builds the correlate → respond → record pipeline for one
 * execution environment. Called by the lifecycle code once the configuration is parsed.
 */
import { createEngine } from '../correlate';
import type { PipelineContext, Responder } from '../pipeline';
import { type AwsClients, createAwsClients } from '../record/aws';
import { SentinelResponder } from './responder';

export interface ResponderOverrides {
  /** Tests and benchmarks inject clients; production creates them lazily from the standard variables. */
  clients?: AwsClients;
  alertMergeWindowMs?: number;
  alertCoalesceMs?: number;
}

export function createResponder(ctx: PipelineContext, overrides: ResponderOverrides = {}): Responder {
  const { engine, problems, ruleIds } = createEngine(ctx.config.rules);
  for (const p of problems)
    ctx.log.warn(
      { evt: 'rules', position: p.position, rule: p.ruleId, problem: p.message },
      `invalid rule skipped at ${p.position}: ${p.message}`,
    );
  ctx.log.info(
    { evt: 'rules', rules: ruleIds, invalid: problems.length, response: ctx.config.response },
    'correlation rules loaded',
  );
  return new SentinelResponder(ctx, {
    engine,
    clients: overrides.clients ?? createAwsClients(ctx.region),
    alertMergeWindowMs: overrides.alertMergeWindowMs,
    alertCoalesceMs: overrides.alertCoalesceMs,
  });
}

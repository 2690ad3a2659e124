/**
 * `make eval`: the corpus (test/corpus) with the built layer in monitor and block mode on every available Node
 * runtime, the tamper suite (test/tamper, when present), and the same corpus under Aikido Zen (blocking, without our
 * layer). Writes build/eval/results.json, results.md and comparison.md. Run through scripts/eval/run.mjs.
 *
 * Options (environment): EVAL_ONLY=<fn ids, comma list>, EVAL_RUNTIMES=20,22, EVAL_CONCURRENCY (default 2),
 * EVAL_SKIP_ZEN=1, EVAL_SKIP_TAMPER=1, EVAL_REPORT_ONLY=1 (re-render the Markdown from results.json).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CORPUS, TECHNIQUE_NOTES } from '../../test/corpus';
import type { CorpusFunction } from '../../test/corpus/types';
import { startAwsStack } from '../sandbox/aws';
import { availableRuntimes } from '../lib/runtimes';
import { type CaseResult, judgeSentinel } from './judge';
import { pool } from './pool';
import { comparisonMarkdown, type EvalResult, resultsMarkdown } from './report';
import { type AwsResources, type FunctionRun, type Mode, prepareLayers, REPO, runFunction } from './run-function';
import { rates, zenRates } from './summary';
import { type TamperRow, loadTamperSuite } from './tamper';
import { judgeZen, type ZenCaseResult, zenVersion } from './zen';

const OUT = join(REPO, 'build', 'eval');

/** A failing function run's logs, for diagnosis: build/eval/logs/<runtime>-<mode>-<function>.log. */
function keepLogs(name: string, run: FunctionRun): void {
  const dir = join(OUT, 'logs');
  mkdirSync(dir, { recursive: true });
  const lines = [
    ...run.cases.flatMap((c) => c.invocations.map((i) => `# invoke ${c.caseId} ${i.requestId} ${new Date(i.start).toISOString()}`)),
    ...run.extensionLogs.map((l) => `${l.time} EXT ${l.line}`),
    ...run.functionLogs.map((l) => `${new Date(l.time).toISOString()} FN ${l.line}`),
  ];
  writeFileSync(join(dir, `${name}.log`), `${lines.join('\n')}\n`);
}

function nodeVersion(node: string): string {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}

async function main(): Promise<void> {
  const t0 = Date.now();
  mkdirSync(OUT, { recursive: true });
  if (process.env.EVAL_REPORT_ONLY) {
    // Re-render the Markdown from an existing results.json (no runs).
    const saved = JSON.parse(readFileSync(join(OUT, 'results.json'), 'utf8')) as EvalResult;
    writeFileSync(join(OUT, 'results.md'), resultsMarkdown(saved));
    writeFileSync(join(OUT, 'comparison.md'), comparisonMarkdown(saved));
    return;
  }
  rmSync(join(OUT, 'logs'), { recursive: true, force: true });
  const only = process.env.EVAL_ONLY?.split(',').filter(Boolean);
  const wantedMajors = process.env.EVAL_RUNTIMES?.split(',').map(Number);
  const concurrency = Number(process.env.EVAL_CONCURRENCY ?? 2);
  const fns: CorpusFunction[] = CORPUS.filter((f) => !only || only.includes(f.id));
  const runtimes = availableRuntimes()
    .filter((r) => !wantedMajors || wantedMajors.includes(r.major))
    .map((r) => ({ ...r, version: nodeVersion(r.node) }));
  const modes: Mode[] = ['monitor', 'block'];
  const log = (s: string) => process.stderr.write(`eval: ${s}\n`);

  const layers = prepareLayers();
  const stack = await startAwsStack();
  let aws: AwsResources;
  try {
    const { topicArn, queueUrl } = await stack.createTopicWithQueue('eval-events', 'eval-inbox');
    aws = { env: stack.env, topicArn, queueUrl };

    // Sentinel: one warm environment per function × mode × runtime.
    const sentinelJobs = runtimes.flatMap((rt) =>
      modes.flatMap((mode) =>
        fns.map((fn) => async () => {
          const run = await runFunction({ fn, subject: 'sentinel', mode, node: rt.node, nodeMajor: rt.major, layers, bootstrap: layers.bootstrap, aws });
          log(`sentinel node${rt.major} ${mode} ${fn.id} ${run.durationMs} ms${run.failure ? ` FAILURE ${run.failure}` : ''}`);
          const results = judgeSentinel(fn, run);
          if (results.some((r) => r.verdict === 'fail')) keepLogs(`node${rt.major}-${mode}-${fn.id}`, run);
          return { rt, run, results };
        }),
      ),
    );
    const sentinelRuns = await pool(concurrency, sentinelJobs);
    const sentinel: (CaseResult & { nodeMajor: number })[] = sentinelRuns.flatMap(({ rt, results }) =>
      results.map((r) => ({ ...r, node: rt.version, nodeMajor: rt.major })),
    );

    // Zen: the same functions wrapped with its Lambda integration, blocking, without our layer.
    let zen: (ZenCaseResult & { nodeMajor: number })[] = [];
    let zenRunsMeta: { nodeMajor: number; fnId: string; failure?: string; durationMs: number }[] = [];
    if (!process.env.EVAL_SKIP_ZEN) {
      const zenJobs = runtimes.flatMap((rt) =>
        fns.map((fn) => async () => {
          const run = await runFunction({ fn, subject: 'zen', mode: 'block', node: rt.node, nodeMajor: rt.major, bootstrap: layers.bootstrap, aws });
          log(`zen node${rt.major} ${fn.id} ${run.durationMs} ms${run.failure ? ` FAILURE ${run.failure}` : ''}`);
          return { rt, run, results: judgeZen(fn, run) };
        }),
      );
      const zenRuns = await pool(concurrency, zenJobs);
      zen = zenRuns.flatMap(({ rt, results }) => results.map((r) => ({ ...r, node: rt.version, nodeMajor: rt.major })));
      zenRunsMeta = zenRuns.map(({ rt, run }) => ({
        nodeMajor: rt.major,
        fnId: run.fnId,
        failure: run.failure ?? zenLoadProblem(run),
        durationMs: run.durationMs,
      }));
    }

    // Tamper suite (separate helper's test/tamper/index.ts), when it exists.
    const tamper: { available: boolean; note?: string; rows: TamperRow[] } = { available: false, rows: [] };
    if (!process.env.EVAL_SKIP_TAMPER) {
      const suite = loadTamperSuite();
      if (!suite.run) tamper.note = suite.note;
      else {
        tamper.available = true;
        for (const rt of runtimes)
          for (const mode of modes) {
            try {
              const rows = await suite.run({ layerDir: layers.plain, node: rt.node, nodeVersion: rt.version, mode });
              for (const r of rows) tamper.rows.push({ ...r, nodeMajor: rt.major, mode });
              log(`tamper node${rt.major} ${mode}: ${rows.length} results`);
            } catch (e) {
              tamper.rows.push({
                id: 'suite',
                title: 'tamper suite run',
                outcome: 'missed',
                expected: 'detected',
                findings: [],
                note: `suite failed: ${(e as Error).message}`,
                nodeMajor: rt.major,
                mode,
              });
            }
          }
      }
    }

    const byRuntimeMode = runtimes.flatMap((rt) =>
      modes.map((mode) => ({
        nodeMajor: rt.major,
        node: rt.version,
        mode,
        ...rates(sentinel.filter((r) => r.nodeMajor === rt.major && r.mode === mode)),
      })),
    );
    const blockableIds = new Set(
      fns.flatMap((f) => f.cases.filter((c) => c.type === 'attack' && c.block.blockable).map((c) => c.id)),
    );
    const result: EvalResult = {
      generatedAt: new Date().toISOString(),
      durationMs: Date.now() - t0,
      host: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
      versions: {
        sentinel: (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
        zen: zenVersion(),
        runtimes: runtimes.map((r) => ({ major: r.major, version: r.version })),
      },
      method: {
        sentinel:
          'built layer (build/layer) as /opt in the local Lambda sandbox, AWS_LAMBDA_EXEC_WRAPPER=/opt/sentinel-wrapper, SENTINEL_MODE=monitor|block, SENTINEL_RESPONSE=off; findings and incidents from the extension log (evt finding/incident); one warm environment per function × mode × runtime',
        zen: 'handler wrapped with require("@aikidosec/firewall/lambda") (generated entry file; ESM functions on Node ≥ 22 also preload @aikidosec/firewall/instrument through NODE_OPTIONS, its native-ESM setup), AIKIDO_BLOCK=true, no AIKIDO_TOKEN (nothing leaves the machine), same sandbox without our layer; detections from Zen\'s "Zen has blocked|detected" log lines',
      },
      corpus: {
        functions: fns.length,
        attackCases: fns.flatMap((f) => f.cases).filter((c) => c.type === 'attack').length,
        benignCases: fns.flatMap((f) => f.cases).filter((c) => c.type === 'benign').length,
        benignFunctions: fns.filter((f) => f.benignOnly).length,
        cases: fns.flatMap((f) =>
          f.cases.map((c) => ({
            id: c.id,
            fn: f.id,
            module: f.module,
            type: c.type,
            trigger: c.trigger,
            title: c.title,
            techniques: c.type === 'attack' ? c.techniques : [],
            expect: c.type === 'attack' ? c.expect : [],
            block: c.type === 'attack' ? c.block : undefined,
            scope: c.scope ?? 'invoke',
          })),
        ),
        techniqueNotes: TECHNIQUE_NOTES,
      },
      sentinel: { summary: { overall: rates(sentinel), byRuntimeMode }, results: sentinel },
      tamper,
      zen: {
        ran: !process.env.EVAL_SKIP_ZEN,
        summary: {
          overall: zenRates(zen, blockableIds),
          byRuntime: runtimes.map((rt) => ({
            nodeMajor: rt.major,
            ...zenRates(
              zen.filter((r) => r.nodeMajor === rt.major),
              blockableIds,
            ),
          })),
        },
        runs: zenRunsMeta,
        results: zen,
      },
    };
    writeFileSync(join(OUT, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(OUT, 'results.md'), resultsMarkdown(result));
    writeFileSync(join(OUT, 'comparison.md'), comparisonMarkdown(result));
    const o = result.sentinel.summary.overall;
    log(
      `done in ${((Date.now() - t0) / 1000).toFixed(1)} s: detection ${o.detected}/${o.attackRuns}, benign with findings ${o.benignWithFindings}/${o.benignRuns}, blocked ${o.blocked}/${o.blockableRuns}; written to build/eval/`,
    );
  } finally {
    await stack.stop();
    layers.cleanup();
  }
}

/** Zen's own complaints in the function log (failed to wrap, unsupported), for the comparison's honesty. */
function zenLoadProblem(run: FunctionRun): string | undefined {
  const bad = run.functionLogs.find((l) => /Aikido: Failed|Zen.*(not supported|failed)|Cannot find module '@aikidosec/.test(l.line));
  return bad?.line.slice(0, 200);
}


main().catch((e) => {
  process.stderr.write(`eval failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

/** Markdown views of the evaluation (build/eval/results.md and comparison.md). */
import type { Expected, TechniqueNote } from '../../test/corpus/types';
import type { CaseResult } from './judge';
import { fmtRange, pct, type Rates, range, type ZenRates } from './summary';
import type { TamperRow } from './tamper';
import type { ZenCaseResult } from './zen';

export interface EvalResult {
  generatedAt: string;
  durationMs: number;
  host: { node: string; platform: string; cpus: number };
  versions: { sentinel: string; zen: string; runtimes: { major: number; version: string }[] };
  method: { sentinel: string; zen: string };
  corpus: {
    functions: number;
    attackCases: number;
    benignCases: number;
    benignFunctions: number;
    cases: {
      id: string;
      fn: string;
      module: string;
      type: string;
      trigger: string;
      title: string;
      techniques: string[];
      expect: Expected[];
      block?: { blockable: boolean; reason?: string };
      scope: string;
    }[];
    techniqueNotes: TechniqueNote[];
  };
  sentinel: {
    summary: { overall: Rates; byRuntimeMode: (Rates & { nodeMajor: number; node: string; mode: string })[] };
    results: (CaseResult & { nodeMajor: number })[];
  };
  tamper: { available: boolean; note?: string; rows: TamperRow[] };
  zen: {
    ran: boolean;
    summary: { overall: ZenRates; byRuntime: (ZenRates & { nodeMajor: number })[] };
    runs: { nodeMajor: number; fnId: string; failure?: string; durationMs: number }[];
    results: (ZenCaseResult & { nodeMajor: number })[];
  };
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mark = (v: string) => (v === 'pass' ? '✔' : v === 'known_limit' ? '◐' : '✘');

export function resultsMarkdown(r: EvalResult): string {
  const L: string[] = [];
  const majors = r.versions.runtimes.map((x) => x.major);
  L.push('# Sentinel evaluation (`make eval`)', '');
  L.push(
    `Generated ${r.generatedAt} in ${(r.durationMs / 1000).toFixed(0)} s on ${r.host.platform} (${r.host.cpus} CPUs). Sentinel ${r.versions.sentinel}; runtimes ${r.versions.runtimes.map((x) => `Node ${x.version}`).join(', ')}.`,
    '',
    `How: ${r.method.sentinel}.`,
    '',
    `Corpus: ${r.corpus.functions} functions, ${r.corpus.attackCases} attack cases, ${r.corpus.benignCases} benign cases (${r.corpus.benignFunctions} benign-only functions). Each case runs on every runtime in both modes.`,
    '',
  );
  L.push('## Summary', '');
  L.push('| runtime | mode | detection | benign runs with findings (FP rate) | block effectiveness | attack → finding logged | attack → incident |');
  L.push('|---|---|---|---|---|---|---|');
  for (const s of r.sentinel.summary.byRuntimeMode)
    L.push(
      `| Node ${s.node} | ${s.mode} | ${s.detected}/${s.attackRuns} (${pct(s.detectionRate)}) | ${s.benignWithFindings}/${s.benignRuns} (${pct(s.falsePositiveRate)}) | ${s.mode === 'block' ? `${s.blocked}/${s.blockableRuns} (${pct(s.blockEffectiveness)})` : '—'} | ${fmtRange(s.msToFinding)} | ${fmtRange(s.msToIncident)} |`,
    );
  const o = r.sentinel.summary.overall;
  L.push(
    `| all | both | ${o.detected}/${o.attackRuns} (${pct(o.detectionRate)}) | ${o.benignWithFindings}/${o.benignRuns} (${pct(o.falsePositiveRate)}) | ${o.blocked}/${o.blockableRuns} (${pct(o.blockEffectiveness)}) | ${fmtRange(o.msToFinding)} | ${fmtRange(o.msToIncident)} |`,
    '',
  );
  L.push(
    'Detection: every expected finding (category, severity ≥ minimum, kind, input path) reported for the case\'s request ids (cold-start findings for init cases). Block effectiveness: blockable attack cases in block mode whose effect (marker file, process marker, file content in the response, canary connection, secret leaving) did not happen. Times: from the attack invocation\'s start to the extension logging the first matching finding / an incident (SENTINEL_RESPONSE=off: incidents open, actions skipped; only rules that open an incident on one finding count).',
    '',
  );

  L.push('## Cases', '');
  const head = ['case', 'type', 'trigger', 'techniques', 'expected', ...majors.flatMap((m) => [`${m} mon`, `${m} block`]), 'found (first runtime, monitor)', 'block-mode effect'];
  L.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const c of r.corpus.cases) {
    const rs = r.sentinel.results.filter((x) => x.caseId === c.id);
    const cell = (m: number, mode: string) => {
      const x = rs.find((y) => y.nodeMajor === m && y.mode === mode);
      return x ? mark(x.verdict) : '·';
    };
    const first = rs.find((x) => x.mode === 'monitor');
    const blk = rs.find((x) => x.mode === 'block');
    const found = first ? (c.type === 'benign' ? first.falsePositives : first.found) : [];
    const effect = c.type === 'attack' ? (blk?.effect ? `${blk.effect}: ${blk.effectHappened ? 'HAPPENED' : 'stopped'}` : c.block?.blockable ? 'finding blocked' : 'not blockable') : '';
    L.push(
      `| ${esc(c.id)} | ${c.type} | ${c.trigger} | ${c.techniques.join(' ')} | ${esc(c.expect.map((e) => `${e.category}${e.kind ? `/${e.kind}` : ''}≥${e.minSeverity}${e.inputPath ? `@${e.inputPath}` : ''}`).join(', ') || 'nothing')} | ${majors.flatMap((m) => [cell(m, 'monitor'), cell(m, 'block')]).join(' | ')} | ${esc(found.join(', ') || '—')} | ${esc(effect)} |`,
    );
  }
  L.push('', '✔ pass · ◐ known limit (detected; not blockable, see below) · ✘ fail', '');

  const fails = r.sentinel.results.filter((x) => x.verdict === 'fail');
  L.push('## Failures', '');
  if (fails.length === 0) L.push('None.', '');
  else
    for (const f of fails)
      L.push(
        `- ${f.caseId} (Node ${f.node}, ${f.mode}): ${[f.missing.length ? `missing ${f.missing.join(', ')}` : '', f.falsePositives.length ? `findings on benign: ${f.falsePositives.join(', ')}` : '', f.mode === 'block' && f.blockable && !f.blocked ? `effect not stopped (${f.effect})` : '', ...f.notes].filter(Boolean).join('; ')}`,
      );
  L.push('', '## Known limits', '');
  for (const c of r.corpus.cases.filter((x) => x.block && !x.block.blockable))
    L.push(`- ${c.id}: detected, not blockable — ${c.block?.reason}`);
  for (const n of r.corpus.techniqueNotes) L.push(`- ${n.technique}: ${n.note}`);
  L.push('');

  L.push('## Tamper suite', '');
  if (!r.tamper.available) L.push(`Tamper suite ${r.tamper.note ?? 'not available'}.`, '');
  else {
    const asExpected = r.tamper.rows.filter((t) => t.outcome === t.expected).length;
    const by = (o: string) => r.tamper.rows.filter((t) => t.outcome === o).length;
    L.push(
      `${r.tamper.rows.length} results (tests × runtimes × modes), outcome as expected in ${asExpected}: blocked ${by('blocked')}, detected ${by('detected')}, known limit ${by('known_limit')}, missed ${by('missed')}.`,
      '',
    );
    L.push('| test | runtime | mode | expected | outcome | findings | note |', '|---|---|---|---|---|---|---|');
    for (const t of r.tamper.rows)
      L.push(`| ${esc(t.id)}: ${esc(t.title)} | ${t.nodeMajor} | ${t.mode} | ${t.expected} | ${t.outcome === t.expected ? t.outcome : `**${t.outcome}**`} | ${esc(t.findings.join(', ') || '—')} | ${esc(t.note)} |`);
    L.push('');
  }
  return `${L.join('\n')}\n`;
}

export function comparisonMarkdown(r: EvalResult): string {
  const L: string[] = [];
  L.push('# Sentinel vs Aikido Zen on the evaluation corpus', '');
  if (!r.zen.ran) return `${L.join('\n')}Zen was not run (EVAL_SKIP_ZEN).\n`;
  L.push(
    `Generated ${r.generatedAt}. Sentinel ${r.versions.sentinel} (block mode), @aikidosec/firewall ${r.versions.zen} (blocking), runtimes ${r.versions.runtimes.map((x) => `Node ${x.version}`).join(', ')}.`,
    '',
    `- Sentinel: ${r.method.sentinel}.`,
    `- Zen: ${r.method.zen}.`,
    '- "In Zen\'s scope": the case\'s trigger is one whose data Zen\'s Lambda wrapper treats as user input (API Gateway-shaped HTTP events — REST, HTTP, Function URL, ALB — and SQS) and an expected category is one of Zen\'s attack kinds (shell injection, path traversal, SSRF, JavaScript injection). Zen was run on every case anyway.',
    '- Detected: Zen logged a detection of an expected category for the case\'s request ids. Stopped: detected and the effect did not happen.',
    '',
  );
  const z = r.zen.summary.overall;
  const sBlock = r.sentinel.results.filter((x) => x.mode === 'block');
  const sAttacks = sBlock.filter((x) => x.type === 'attack');
  const inScopeIds = new Set(r.zen.results.filter((x) => x.inScope && x.type === 'attack').map((x) => x.caseId));
  const sInScope = sAttacks.filter((x) => inScopeIds.has(x.caseId));
  const sBlockable = sAttacks.filter((x) => x.blockable);
  L.push('## Summary (all runtimes, block mode)', '');
  L.push('| | Sentinel | Zen |', '|---|---|---|');
  L.push(`| attack runs detected | ${sAttacks.filter((x) => x.detected).length}/${sAttacks.length} | ${z.detected}/${z.attackRuns} |`);
  L.push(`| … of them in Zen's scope | ${sInScope.filter((x) => x.detected).length}/${sInScope.length} | ${z.detectedInScope}/${z.inScopeRuns} |`);
  L.push(`| blockable attack runs stopped | ${sBlockable.filter((x) => x.blocked).length}/${sBlockable.length} | ${z.blocked}/${z.blockableRuns} |`);
  L.push(
    `| benign runs with findings | ${sBlock.filter((x) => x.type === 'benign' && x.falsePositives.length > 0).length}/${sBlock.filter((x) => x.type === 'benign').length} | ${z.falsePositives}/${z.benignRuns} |`,
  );
  const sTimes = sAttacks.flatMap((x) => (x.msToFinding === undefined ? [] : [x.msToFinding]));
  L.push(
    `| attack → detection recorded | ${fmtRange(range(sTimes))} (extension log) | ${fmtRange(z.msToDetection)} (Zen's own log line, in process) |`,
  );
  L.push('');
  L.push(
    "Times are not the same measure: Sentinel's is the attack's invoke start to the out-of-process extension logging the finding; Zen has no out-of-process part, its time is to its in-process log line. Init-phase cases count from the environment's start.",
    '',
  );
  const failures = r.zen.runs.filter((x) => x.failure);
  if (failures.length) {
    L.push('Zen problems (load or function failures under Zen):', '');
    for (const f of failures) L.push(`- Node ${f.nodeMajor}, ${f.fnId}: ${esc(f.failure ?? '')}`);
    L.push('');
  }
  const majors = r.versions.runtimes.map((x) => x.major);
  L.push('## Per case', '');
  const head = ['case', 'trigger', 'techniques', "Zen's scope", ...majors.flatMap((m) => [`Sentinel ${m}`, `Zen ${m}`]), 'Zen reported (first runtime)'];
  L.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  const cellS = (x?: CaseResult) =>
    !x ? '·' : x.type === 'benign' ? (x.falsePositives.length ? 'FP' : 'quiet') : `${x.detected ? 'detected' : 'missed'}${x.blockable ? (x.blocked ? ', stopped' : ', NOT stopped') : ''}`;
  const cellZ = (x: ZenCaseResult | undefined, blockable: boolean) =>
    !x ? '·' : x.type === 'benign' ? `${x.falsePositive ? 'FP' : 'quiet'}${x.functionError ? ` (broke: ${x.functionError.slice(0, 60)})` : ''}` : `${x.detected ? 'detected' : 'missed'}${blockable ? (x.blocked ? ', stopped' : ', NOT stopped') : ''}`;
  for (const c of r.corpus.cases) {
    const zs = r.zen.results.filter((x) => x.caseId === c.id);
    const ss = sBlock.filter((x) => x.caseId === c.id);
    const blockable = Boolean(c.block?.blockable);
    const scope = zs[0] ? (zs[0].inScope ? 'yes' : `no: ${zs[0].scopeReason}`) : '·';
    L.push(
      `| ${esc(c.id)} | ${c.trigger} | ${c.techniques.join(' ')} | ${esc(c.type === 'benign' ? 'benign' : scope)} | ${majors.flatMap((m) => [cellS(ss.find((x) => x.nodeMajor === m)), cellZ(zs.find((x) => x.nodeMajor === m), blockable)]).join(' | ')} | ${esc(zs[0]?.found.join(', ') || '—')} |`,
    );
  }
  L.push(
    '',
    '## Why Zen misses what it misses (from its source and log, not guessed)',
    '',
    "- Triggers: Zen's Lambda wrapper builds a request context only for API Gateway-shaped events and SQS (`Zen detected a lambda function call with an unsupported trigger. Only API Gateway and SQS triggers are currently supported.`); SNS, S3, EventBridge, DynamoDB streams and direct invokes run without user input for its checks.",
    "- Native ESM on Node 20: the wrapper hooks what is loaded through `require`; an ES module's `import` of `child_process` is not patched. Its ESM instrumentation (`--require @aikidosec/firewall/instrument`) needs `module.registerHooks` (Node ≥ 22.15) and is used here on Node 22/24.",
    "- Base64 bodies (`isBase64Encoded`, e.g. ALB and binary-media APIs): Zen's gateway parser reads the body only as JSON text, so a base64 body is no input to it.",
    '- `eval` (node-serialize style revival): no input-correlated sink sees it, and the process started by the evaluated code has no event data in its command line.',
    '- Behavioural detections without input (exec allow-list, `/tmp` droppers, credential reads by non-SDK code, Runtime API access, handler swaps, mining pools, configuration self-check, tamper signals) are not part of Zen. Zen can prevent prototype pollution by freezing built-in prototypes (`@aikidosec/firewall/nopp`, not enabled here: it is an opt-in change of program semantics); it does not report pollution.',
    '',
    'Overhead side by side (startup, hooked operations, warm handler): `make bench` suite `zen` (build/bench/summary.md).',
    '',
  );
  return `${L.join('\n')}\n`;
}

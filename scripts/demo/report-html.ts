/**
 * The demo's HTML report: one self-contained page (inline CSS, no scripts, no external assets) a security engineer
 * can forward. Every value from the run is HTML-escaped: findings carry attacker-controlled input.
 */

import type { TableItem } from './aws';
import type { ActionEntry, DemoResult, HttpExchange } from './demo';
import { formatOffset, type StepRecord } from './timeline';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const SEVERITY_CLASS: Record<string, string> = { critical: 'sev-critical', high: 'sev-high', medium: 'sev-medium' };
const sev = (s: unknown) => `<span class="sev ${SEVERITY_CLASS[String(s)] ?? 'sev-low'}">${escapeHtml(s)}</span>`;
const code = (s: unknown) => `<code>${escapeHtml(s)}</code>`;

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="muted">none</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function timeline(steps: StepRecord[]): string {
  return table(
    ['time', 'step', '', 'what happened'],
    steps.map((s) => [
      `<span class="mono">${escapeHtml(formatOffset(s.atMs))}</span>`,
      `<strong>${escapeHtml(s.title)}</strong>`,
      s.ok ? '<span class="ok">ok</span>' : '<span class="fail">FAILED</span>',
      `${escapeHtml(s.summary)}${
        s.details.length ? `<ul>${s.details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>` : ''
      }`,
    ]),
  );
}

function incidentSection(inc: TableItem | undefined): string {
  if (!inc) return '<p class="fail">No incident was recorded.</p>';
  const fields: [string, string][] = [
    ['Incident id', code(inc.id)],
    ['Function', code(inc.function)],
    ['Rule', `${code(inc.rule)} — ${escapeHtml(inc.ruleTitle)}`],
    ['Severity', sev(inc.severity)],
    ['Category', code(inc.category)],
    ['Title', escapeHtml(inc.title)],
    ['Request id', code(inc.requestId)],
    ['Environment', code(inc.environmentId)],
    ['Findings', escapeHtml(inc.findingCount)],
    ['Response mode', escapeHtml(inc.responseMode)],
    ['Created', escapeHtml(inc.createdAt)],
    ['Table keys', `${code(`pk=${inc.pk}`)} ${code(`sk=${inc.sk}`)}`],
  ];
  const actions = (inc.actions as { type: string; status: string; detail?: string; durationMs?: number }[]) ?? [];
  return `<dl class="facts">${fields.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>
<h3>Actions recorded on the incident</h3>
${table(
  ['action', 'status', 'detail', 'ms'],
  actions.map((a) => [code(a.type), escapeHtml(a.status), escapeHtml(a.detail), escapeHtml(a.durationMs ?? '')]),
)}`;
}

function exchanges(list: HttpExchange[]): string {
  return table(
    ['request', 'environment', 'sent', 'status', 'response body'],
    list.map((e) => [
      escapeHtml(e.label),
      escapeHtml(e.environment),
      code(e.request),
      `<strong>${escapeHtml(e.status)}</strong>`,
      `<span class="mono small">${escapeHtml(e.body.length > 160 ? `${e.body.slice(0, 159)}…` : e.body)}</span>`,
    ]),
  );
}

function actionsTable(list: ActionEntry[]): string {
  return table(
    ['by', 'action', 'status', 'detail', 'incident', 'ms'],
    list.map((a) => [
      escapeHtml(a.source === 'cli' ? 'sentinel CLI' : 'extension'),
      code(a.type),
      escapeHtml(a.status),
      escapeHtml(a.detail),
      a.incidentId ? code(a.incidentId) : '',
      escapeHtml(a.durationMs === undefined ? '' : Math.round(a.durationMs)),
    ]),
  );
}

const CSS = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--bg:#f6f8fa;--red:#b42318;--amber:#b54708;--green:#067647}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
main{max-width:1180px;margin:0 auto;padding:28px 32px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:18px 0 8px}.muted{color:var(--muted)}.small{font-size:12px}
.banner{margin:18px 0;padding:14px 18px;border-radius:8px;font-weight:600}
.banner.ok{background:#ecfdf3;border:1px solid #abefc6;color:var(--green)}.banner.bad{background:#fef3f2;border:1px solid #fecdca;color:var(--red)}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{flex:1 1 200px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--bg)}
.card .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:16px;font-weight:600;overflow-wrap:break-word}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}td ul{margin:4px 0 0;padding-left:18px;color:var(--muted);font-size:13px}
code,.mono,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}code{font-size:13px;background:var(--bg);padding:1px 4px;border-radius:4px;overflow-wrap:break-word}
pre{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:10px 12px;white-space:pre-wrap;word-break:break-word;font-size:13px}
.ok{color:var(--green);font-weight:600}.fail{color:var(--red);font-weight:600}
.sev{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:700;text-transform:uppercase;color:#fff;background:#667085}
.sev-critical{background:#7a271a}.sev-high{background:var(--red)}.sev-medium{background:var(--amber)}
dl.facts{display:grid;grid-template-columns:160px 1fr;gap:4px 16px;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
footer{margin-top:36px;color:var(--muted);font-size:12px}
`;

export function renderReport(r: DemoResult): string {
  const incidents = r.tableItems.filter((i) => i.type === 'incident');
  const audits = r.tableItems.filter((i) => i.type === 'audit');
  const inc = incidents[0];
  const failed = r.steps.find((s) => !s.ok);
  const banner = r.ok
    ? `Attack detected and ${r.findings.some((f) => f.blocked) ? 'blocked' : 'reported'}; incident ${escapeHtml(inc?.id)} recorded, alerts sent, function quarantined, then released by an operator.`
    : `The demo FAILED${failed ? ` at step “${escapeHtml(failed.title)}”: ${escapeHtml(failed.summary)}` : ''}.`;
  const card = (k: string, v: string) =>
    `<div class="card"><div class="k">${escapeHtml(k)}</div><div class="v">${v}</div></div>`;
  const findingRows = r.findings.map((f) => [
    `<span class="mono small">${escapeHtml(f.time)}</span>`,
    `${code(f.category)}<br><span class="small muted">${escapeHtml(f.kind)}</span>`,
    sev(f.severity),
    f.blocked ? '<span class="fail">blocked</span>' : 'reported',
    `${escapeHtml(f.title)}<ul>${[
      f.sink ? `sink: ${f.sink}` : '',
      f.input ? `input ${f.input.path} = ${f.input.value}` : '',
      f.location ? `at ${f.location}` : '',
      f.args?.length ? `args: ${f.args.join(' , ')}` : '',
      f.requestId ? `request ${f.requestId}` : '',
    ]
      .filter(Boolean)
      .map((x) => `<li>${escapeHtml(x)}</li>`)
      .join('')}</ul>`,
  ]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sentinel incident report — ${escapeHtml(r.functionName)}</title><style>${CSS}</style></head>
<body><main>
<h1>Sentinel incident report</h1>
<div class="muted">Function ${code(r.functionName)} · run ${escapeHtml(r.startedAt)} · ${escapeHtml((r.durationMs / 1000).toFixed(1))} s · local Lambda sandbox with AWS stand-ins (no AWS account involved)</div>
<div class="banner ${r.ok ? 'ok' : 'bad'}" id="verdict">${banner}</div>
<div class="cards">
${card('Incident', inc ? code(inc.id) : '—')}
${card('Category', inc ? code(inc.category) : '—')}
${card('Severity', inc ? sev(inc.severity) : '—')}
${card('Rule', inc ? code(inc.rule) : '—')}
</div>
<h2>Timeline</h2>
${timeline(r.steps)}
<h2 id="incident">Incident</h2>
${incidentSection(inc)}
<h2>Findings</h2>
${table(['time', 'category', 'severity', 'outcome', 'what'], findingRows)}
<h2>Alerts</h2>
<h3>SNS (read back from the subscribed SQS queue)</h3>
${r.alerts.sns.length ? r.alerts.sns.map((m) => `<p><strong>Subject:</strong> ${escapeHtml(m.subject)}</p><pre>${escapeHtml(m.message)}</pre>`).join('') : '<p class="muted">none</p>'}
<h3>Slack</h3>
${r.alerts.slack.length ? r.alerts.slack.map((m) => `<pre>${escapeHtml(m)}</pre>`).join('') : '<p class="muted">none</p>'}
<h2>Actions</h2>
${actionsTable(r.actions)}
${r.quarantine ? `<h3>Quarantine marker (function configuration)</h3><pre>SENTINEL_QUARANTINE=${escapeHtml(JSON.stringify(r.quarantine))}</pre>` : ''}
${r.releaseOutput ? `<h3>Release</h3><pre>${escapeHtml(r.releaseOutput)}</pre>` : ''}
${
  audits.length
    ? `<h3>Audit records</h3>${table(
        ['time', 'action', 'actor', 'detail'],
        audits.map((a) => [escapeHtml(a.createdAt), code(a.action), escapeHtml(a.actor), escapeHtml(a.detail)]),
      )}`
    : ''
}
<h2>Requests</h2>
${exchanges(r.exchanges)}
<footer>Generated by <code>make demo</code> (scripts/demo) with Node ${escapeHtml(process.versions.node)}. Incident table ${code(r.table)}. Secrets (webhook URL, credentials) are never shown.</footer>
</main></body></html>
`;
}

/**
 * Alert text: one readable message per (merged) alert, as an SNS subject/body/attributes and a Slack Block Kit
 * payload. Only incident fields go in: findings are already redacted, and no environment value is ever added.
 */
import type { Incident } from '../record/types';

export interface AlertContent {
  /** Incident that opened the alert; `count` incidents were merged into it. */
  incident: Incident;
  count: number;
  /** Identical alerts merged after the previous alert of this kind was sent (reported with this one). */
  mergedBefore: number;
}

const SUBJECT_MAX = 100;

/** SNS subjects: ASCII, no line breaks, ≤ 100 characters. */
export function alertSubject(a: AlertContent): string {
  const i = a.incident;
  const raw = `[Sentinel] ${i.severity.toUpperCase()} ${i.ruleTitle} in ${i.function}${a.count > 1 ? ` (x${a.count})` : ''}`;
  const ascii = raw.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}

function actionLine(i: Incident): string {
  return i.actions.map((x) => `${x.type}: ${x.status}${x.detail ? ` (${x.detail})` : ''}`).join('; ') || 'none';
}

export function alertBody(a: AlertContent): string {
  const i = a.incident;
  const lines = [
    `${i.title}`,
    '',
    `Function:    ${i.function} (version ${i.version})`,
    `Severity:    ${i.severity}`,
    `Category:    ${i.category}`,
    `Rule:        ${i.rule} (${i.match}${i.count !== undefined ? `, count ${i.count}` : ''})`,
    `Incident:    ${i.id}`,
    `Request:     ${i.requestId ?? '-'}`,
    `Environment: ${i.environmentId}`,
    `Time:        ${i.createdAt}`,
    `Response:    ${i.responseMode} - ${actionLine(i)}`,
  ];
  if (a.count > 1) lines.push(`Merged:      ${a.count} identical alerts in this window`);
  if (a.mergedBefore > 0)
    lines.push(`Earlier:     ${a.mergedBefore} identical alert(s) merged after the previous message`);
  lines.push('', `Findings (${i.findingCount}):`);
  const shown = i.findings.slice(0, 5);
  for (const f of shown) {
    lines.push(
      `- [${f.severity}] ${f.category}/${f.kind}: ${f.title}${f.sink ? ` at ${f.sink}` : ''}${f.inputPath ? ` from ${f.inputPath}` : ''}${f.blocked ? ' (blocked)' : ''}`,
    );
  }
  if (i.findingCount > shown.length) lines.push(`- … ${i.findingCount - shown.length} more`);
  lines.push('', `List incidents: npx sentinel incidents --function ${i.function}`);
  lines.push(`Release:        npx sentinel release --function ${i.function}`);
  return lines.join('\n');
}

/** Attributes subscription filter policies can match on (severity, category, function). */
export function alertAttributes(a: AlertContent): Record<string, { DataType: 'String'; StringValue: string }> {
  const s = (v: string) => ({ DataType: 'String' as const, StringValue: v });
  return {
    severity: s(a.incident.severity),
    category: s(a.incident.category),
    function: s(a.incident.function),
    rule: s(a.incident.rule),
    incidentId: s(a.incident.id),
  };
}

/** Slack escapes: &, <, > are control characters in mrkdwn. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const EMOJI: Record<string, string> = {
  critical: ':rotating_light:',
  high: ':warning:',
  medium: ':large_orange_diamond:',
  low: ':small_blue_diamond:',
  info: ':information_source:',
};

export function slackPayload(a: AlertContent): Record<string, unknown> {
  const i = a.incident;
  const header = `${EMOJI[i.severity] ?? ''} ${i.severity.toUpperCase()}: ${i.ruleTitle}`.trim().slice(0, 150);
  const findings = i.findings
    .slice(0, 5)
    .map((f) => `• *${esc(f.category)}/${esc(f.kind)}* ${esc(f.title)}${f.blocked ? ' _(blocked)_' : ''}`)
    .join('\n');
  return {
    text: alertSubject(a), // fallback for notifications
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: header } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Function*\n${esc(i.function)}` },
          { type: 'mrkdwn', text: `*Category*\n${esc(i.category)}` },
          { type: 'mrkdwn', text: `*Rule*\n${esc(i.rule)}` },
          { type: 'mrkdwn', text: `*Response*\n${esc(`${i.responseMode}: ${actionLine(i)}`).slice(0, 1900)}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: (findings || '_no findings_').slice(0, 2900) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: esc(
              `incident ${i.id} · request ${i.requestId ?? '-'} · ${i.createdAt}` +
                (a.count > 1 ? ` · ${a.count} identical alerts merged` : '') +
                (a.mergedBefore > 0 ? ` · ${a.mergedBefore} merged earlier` : ''),
            ),
          },
        ],
      },
    ],
  };
}

import type { Finding } from '../../protocol/finding';
import type { DemoResult } from './demo';
import { escapeHtml, renderReport } from './report-html';

const HOSTILE = `<img src=x onerror="alert(1)">'&`;

function result(overrides: Partial<DemoResult> = {}): DemoResult {
  const finding: Finding = {
    id: 'f-1',
    time: '2026-01-01T00:00:00.000Z',
    source: 'agent',
    category: 'path_traversal',
    kind: 'dot_dot',
    severity: 'high',
    confidence: 'high',
    title: `Event input escapes to ${HOSTILE}`,
    sink: 'fs.readFileSync',
    input: { path: '$.queryStringParameters.name', value: HOSTILE },
    phase: 'invoke',
    blocked: true,
  };
  return {
    ok: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    functionName: 'reports-api',
    table: 'sentinel-incidents',
    node: '/usr/bin/node',
    steps: [{ atMs: 10, durationMs: 5, title: 'Attack', ok: true, summary: HOSTILE, details: [HOSTILE] }],
    exchanges: [
      { label: 'attack', request: `GET /reports?name=${HOSTILE}`, status: 500, body: HOSTILE, environment: 'e1' },
    ],
    findings: [finding],
    tableItems: [
      {
        pk: 'FN#reports-api',
        sk: 'INC#2026-01-01T00:00:00.000Z#inc-1',
        type: 'incident',
        id: 'inc-1',
        rule: 'path-traversal-high',
        ruleTitle: HOSTILE,
        severity: 'high',
        category: 'path_traversal',
        title: HOSTILE,
        actions: [{ type: 'quarantine', status: 'ok', detail: HOSTILE, durationMs: 12 }],
      },
    ],
    alerts: { sns: [{ subject: HOSTILE, message: HOSTILE }], slack: [HOSTILE] },
    actions: [{ source: 'extension', type: 'alert', status: 'ok', detail: HOSTILE }],
    quarantine: { incidentId: 'inc-1', reason: HOSTILE },
    releaseOutput: HOSTILE,
    environments: [],
    ...overrides,
  };
}

describe('demo HTML report', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml(undefined)).toBe('');
  });

  it('never emits a value from the run as markup', () => {
    const html = renderReport(result());
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/onerror="/);
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;');
    expect(html).toContain('<code>inc-1</code>');
  });

  it('is self-contained: inline style, no scripts, no external references', () => {
    const html = renderReport(result());
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    expect(html).not.toMatch(/<script|<link|<[^>]*\s(src|href)=|url\(/i);
  });

  it('says where a failed demo stopped', () => {
    const html = renderReport(
      result({
        ok: false,
        steps: [
          { atMs: 5, durationMs: 5, title: 'Alert on SNS', ok: false, summary: 'no SNS notification', details: [] },
        ],
        tableItems: [],
      }),
    );
    expect(html).toContain('The demo FAILED at step “Alert on SNS”: no SNS notification');
    expect(html).toContain('No incident was recorded.');
  });
});

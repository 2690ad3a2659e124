import type { Incident } from '../record/types';
import { alertAttributes, alertBody, alertSubject, slackPayload } from './alert-format';

function incident(over: Partial<Incident> = {}): Incident {
  return {
    type: 'incident',
    id: 'inc-1',
    function: 'orders-api',
    version: '$LATEST',
    environmentId: 'env',
    rule: 'injection-high',
    ruleTitle: 'Code or command injection',
    match: 'finding',
    severity: 'high',
    category: 'command_injection',
    title: 'Code or command injection: shell metacharacters from $.body.cmd',
    alsoMatched: [],
    findingCount: 7,
    findings: [
      {
        id: 'f',
        time: 't',
        category: 'command_injection',
        kind: 'shell_metachar',
        severity: 'high',
        title: '<b>x</b> & y',
        blocked: true,
      },
    ],
    responseMode: 'auto',
    actions: [{ type: 'quarantine', status: 'ok', startedAt: 't', detail: 'SENTINEL_QUARANTINE set' }],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('alert text', () => {
  it('keeps SNS subjects ASCII, single-line and ≤ 100 characters', () => {
    const s = alertSubject({
      incident: incident({ ruleTitle: `Ünïcode ${'x'.repeat(200)}\nnext`, function: 'f' }),
      count: 3,
      mergedBefore: 0,
    });
    expect(s.length).toBeLessThanOrEqual(100);
    expect(s).toMatch(/^[\x20-\x7e]+$/);
    expect(alertSubject({ incident: incident(), count: 2, mergedBefore: 0 })).toBe(
      '[Sentinel] HIGH Code or command injection in orders-api (x2)',
    );
  });

  it('body names function, rule, incident, actions, counts and the release command', () => {
    const b = alertBody({ incident: incident(), count: 2, mergedBefore: 4 });
    for (const s of [
      'orders-api',
      'injection-high',
      'inc-1',
      'quarantine: ok',
      '2 identical alerts',
      '4 identical alert(s) merged',
      'Findings (7)',
      '… 6 more',
      'sentinel release --function orders-api',
    ])
      expect(b).toContain(s);
  });

  it('attributes carry severity, category and function for subscription filter policies', () => {
    expect(alertAttributes({ incident: incident(), count: 1, mergedBefore: 0 })).toMatchObject({
      severity: { DataType: 'String', StringValue: 'high' },
      category: { DataType: 'String', StringValue: 'command_injection' },
      function: { DataType: 'String', StringValue: 'orders-api' },
    });
  });

  it('Slack Block Kit payload escapes mrkdwn control characters', () => {
    const p = slackPayload({ incident: incident(), count: 1, mergedBefore: 0 }) as {
      text: string;
      blocks: { type: string }[];
    };
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    const json = JSON.stringify(p);
    expect(json).toContain('&lt;b&gt;x&lt;/b&gt; &amp; y');
    expect(json).not.toContain('<b>');
  });
});

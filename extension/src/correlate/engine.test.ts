import fc from 'fast-check';
import { decide, CorrelationEngine } from './engine';
import { findingsFromInvocation } from './invocation';
import { BUILTIN_RULES } from './playbook';
import { makeFinding } from './testing';
import type { Evaluation, Rule } from './types';

const engine = () => new CorrelationEngine(BUILTIN_RULES);
const outcome = (e: CorrelationEngine, f: ReturnType<typeof makeFinding>, at = 0) => decide(e.evaluate(f, at).matches);

describe('built-in playbook', () => {
  it.each([
    [{ category: 'command_injection', severity: 'high' }, 'high', ['quarantine', 'alert']],
    [{ category: 'code_injection', severity: 'critical' }, 'critical', ['terminate', 'alert']],
    [{ category: 'path_traversal', severity: 'medium' }, 'medium', ['alert', 'monitor']],
    [{ category: 'path_traversal', severity: 'high' }, 'high', ['quarantine', 'alert']],
    [{ category: 'integrity', kind: 'second_client', severity: 'medium' }, 'critical', ['terminate', 'alert']],
    [{ category: 'resource_abuse', kind: 'timeout', severity: 'high' }, 'high', ['quarantine', 'alert']],
  ] as const)('%o → %s %o', (over, severity, actions) => {
    const d = outcome(engine(), makeFinding(over));
    expect(d?.severity).toBe(severity);
    expect(d?.actions).toEqual(actions);
  });

  it('ignores low-severity injection and info findings', () => {
    expect(outcome(engine(), makeFinding({ category: 'command_injection', severity: 'medium' }))).toBeUndefined();
    expect(outcome(engine(), makeFinding({ category: 'posture', severity: 'info' }))).toBeUndefined();
  });

  it('escalates the third injection finding within 300 s to critical (and only once per window)', () => {
    const e = engine();
    const inj = () => makeFinding({ category: 'command_injection', severity: 'medium' });
    expect(outcome(e, inj(), 0)).toBeUndefined();
    expect(outcome(e, inj(), 100_000)).toBeUndefined();
    const d = outcome(e, inj(), 299_000);
    expect(d?.primary.rule.id).toBe('escalation-injection-burst');
    expect(d?.severity).toBe('critical');
    expect(d?.primary.findings).toHaveLength(3);
    for (let i = 0; i < 3; i++)
      expect(outcome(e, inj(), 300_000 + i)?.primary.rule.id).not.toBe('escalation-injection-burst');
  });

  it('does not escalate injections spread over more than 300 s', () => {
    const e = engine();
    for (const at of [0, 200_000, 400_000, 600_000])
      expect(outcome(e, makeFinding({ category: 'code_injection', severity: 'low' }), at)).toBeUndefined();
  });

  it('10 findings of any kind within 60 s → high', () => {
    const e = engine();
    let d: ReturnType<typeof decide>;
    for (let i = 0; i < 10; i++) d = outcome(e, makeFinding({ category: 'egress', severity: 'low' }), i * 1000);
    expect(d!.primary.rule.id).toBe('escalation-finding-burst');
    expect(d!.actions).toEqual(['quarantine', 'alert']);
  });

  it('posture findings (one plaintext secret per cold start of a scaled-out fleet) never make a burst', () => {
    const e = engine();
    for (let i = 0; i < 30; i++)
      expect(
        outcome(e, makeFinding({ category: 'posture', kind: 'plaintext_secret', severity: 'medium' }), i * 100),
      ).toBeUndefined();
  });

  it('credential access then egress in the same invocation → critical credential exfiltration', () => {
    const e = engine();
    const access = makeFinding({ category: 'credential_access', severity: 'low', requestId: 'r1' });
    expect(outcome(e, access, 0)).toBeUndefined();
    // Egress in another invocation does not complete the sequence.
    expect(outcome(e, makeFinding({ category: 'egress', severity: 'low', requestId: 'r2' }), 1)).toBeUndefined();
    const d = outcome(e, makeFinding({ category: 'egress', severity: 'low', requestId: 'r1' }), 2);
    expect(d?.primary.rule.id).toBe('credential-exfiltration');
    expect(d?.primary.category).toBe('credential_exfiltration');
    expect(d?.severity).toBe('critical');
    expect(d?.primary.findings.map((f) => f.category)).toEqual(['credential_access', 'egress']);
  });

  it('egress before credential access is not the sequence; endInvocation forgets progress', () => {
    const e = engine();
    expect(outcome(e, makeFinding({ category: 'egress', severity: 'low', requestId: 'r1' }), 0)).toBeUndefined();
    expect(
      outcome(e, makeFinding({ category: 'credential_access', severity: 'low', requestId: 'r1' }), 1),
    ).toBeUndefined();
    e.endInvocation('r1');
    expect(outcome(e, makeFinding({ category: 'egress', severity: 'low', requestId: 'r1' }), 2)).toBeUndefined();
  });
});

describe('fleet thresholds', () => {
  const rule: Rule = {
    id: 'fleet4',
    title: 'fleet',
    enabled: true,
    when: { category: ['ssrf'] },
    threshold: { count: 4, windowSeconds: 60, scope: 'fleet', per: 'function' },
    actions: ['alert'],
  };

  it('offers every counted finding to the fleet counter and fires once per window on the fleet count', () => {
    const e = new CorrelationEngine([rule]);
    const ev = e.evaluate(makeFinding({ category: 'ssrf' }), 0);
    expect(ev.matches).toEqual([]);
    expect(ev.fleet).toHaveLength(1);
    expect(ev.fleet[0].bucketSeconds).toBe(10);
    expect(e.fleetMatch(ev.fleet[0], 3, 0)).toBeUndefined();
    expect(e.fleetMatch(ev.fleet[0], 4, 0)?.kind).toBe('fleet_threshold');
    expect(e.fleetMatch(ev.fleet[0], 5, 1000)).toBeUndefined(); // same window
    expect(e.fleetMatch(ev.fleet[0], 5, 61_000)?.count).toBe(5);
  });

  it('a local hit needs no fleet answer and suppresses a fleet firing in the same window', () => {
    const e = new CorrelationEngine([rule]);
    let last: Evaluation | undefined;
    for (let i = 0; i < 4; i++) last = e.evaluate(makeFinding({ category: 'ssrf' }), i);
    expect(last!.matches[0].kind).toBe('threshold');
    expect(e.fleetMatch(last!.fleet[0], 8, 10)).toBeUndefined();
  });

  it('fires exactly when the local count reaches N within the window (property, per-invocation keys)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 3000 })), { maxLength: 40 }),
        (events) => {
          const r: Rule = { ...rule, threshold: { count: 3, windowSeconds: 5, scope: 'local', per: 'invocation' } };
          const e = new CorrelationEngine([r]);
          let t = 0;
          const seen: Record<string, number[]> = { a: [], b: [] };
          const lastFire: Record<string, number> = {};
          for (const [req, gap] of events) {
            t += gap;
            const fired = e.evaluate(makeFinding({ category: 'ssrf', requestId: req }), t).matches.length > 0;
            seen[req].push(t);
            const fresh = seen[req].filter((x) => t - x < 5000);
            // Cooldown: a rule fires at most once per window and key.
            const cooled = lastFire[req] === undefined || lastFire[req] + 5000 <= t;
            const expectFire = fresh.length >= 3 && cooled;
            if (fresh.length >= 3) seen[req] = [];
            if (expectFire) lastFire[req] = t;
            expect(fired).toBe(expectFire);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('findingsFromInvocation', () => {
  it('derives timeout, memory-limit and mining findings from the platform summary', () => {
    const kinds = findingsFromInvocation({
      requestId: 'r',
      status: 'timeout',
      memorySizeMB: 128,
      maxMemoryUsedMB: 128,
      logTail: ['connecting to stratum+tcp://pool.example:3333'],
    }).map((f) => [f.category, f.kind, f.severity, f.requestId]);
    expect(kinds).toEqual([
      ['resource_abuse', 'timeout', 'high', 'r'],
      ['resource_abuse', 'memory_limit', 'high', 'r'],
      ['resource_abuse', 'mining_indicator', 'high', 'r'],
    ]);
    expect(
      findingsFromInvocation({ requestId: 'r', status: 'success', memorySizeMB: 128, maxMemoryUsedMB: 90 }),
    ).toEqual([]);
  });
});

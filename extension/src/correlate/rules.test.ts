import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine } from './index';
import { BUILTIN_RULES } from './playbook';
import { loadUserRules, mergeRules, parseRulesText, validateRules } from './rules';

describe('rule validation', () => {
  it('accepts the built-in playbook as a document (it is valid data, not special code)', () => {
    const r = validateRules(JSON.parse(JSON.stringify(BUILTIN_RULES)));
    expect(r.problems).toEqual([]);
    expect(r.rules.map((x) => x.id)).toEqual(BUILTIN_RULES.map((x) => x.id));
  });

  it('reports unknown fields, negative windows and unknown actions with their position, and skips only those rules', () => {
    const text = JSON.stringify(
      [
        { id: 'ok-rule', when: { category: 'ssrf' }, actions: ['alert'] },
        { id: 'typo', when: { categroy: 'ssrf' }, actions: ['alert'] },
        { id: 'neg', when: { category: 'egress' }, threshold: { count: 2, windowSeconds: -5 }, actions: ['alert'] },
        { id: 'act', when: { category: 'egress' }, actions: ['alert', 'nuke'] },
      ],
      null,
      2,
    );
    const r = parseRulesText(text);
    expect(r.rules.map((x) => x.id)).toEqual(['ok-rule']);
    const byRule = Object.fromEntries(r.problems.map((p) => [p.ruleId, p]));
    expect(byRule.typo.position).toMatch(/^\$\[1\]\.when\.categroy \(line \d+:\d+\)$/);
    expect(byRule.typo.message).toMatch(/unknown field "categroy"/);
    expect(byRule.neg.position).toMatch(/^\$\[2\]\.threshold\.windowSeconds \(line \d+:\d+\)$/);
    expect(byRule.act.position).toMatch(/^\$\[3\]\.actions\[1\]/);
    expect(byRule.act.message).toMatch(/unknown action "nuke"/);
    // The line points at the offending node in the text.
    const line = Number(/line (\d+)/.exec(byRule.neg.position)![1]);
    expect(text.split('\n')[line - 1]).toContain('windowSeconds');
  });

  it('reads YAML with a rules key and reports YAML syntax errors with a line', () => {
    const yaml = [
      'rules:',
      '  - id: y1',
      '    when:',
      '      category: [ssrf, egress]',
      '      severity: medium',
      '    actions: [alert]',
    ].join('\n');
    const r = parseRulesText(yaml);
    expect(r.problems).toEqual([]);
    expect(r.rules[0].when).toEqual({ category: ['ssrf', 'egress'], severity: 'medium' });
    const bad = parseRulesText('rules:\n  - id: [unclosed\n');
    expect(bad.rules).toEqual([]);
    expect(bad.problems[0].position).toMatch(/^line \d+:\d+$/);
  });

  it('rejects rules without a condition, thresholds without `when`, and fleet thresholds per invocation', () => {
    const r = validateRules([
      { id: 'a', actions: ['alert'] },
      {
        id: 'b',
        sequence: { steps: [{ category: 'egress' }, { category: 'ssrf' }] },
        threshold: { count: 2, windowSeconds: 5 },
      },
      { id: 'c', when: {}, threshold: { count: 2, windowSeconds: 5, scope: 'fleet', per: 'invocation' } },
    ]);
    expect(r.rules).toEqual([]);
    expect(r.problems.map((p) => p.ruleId)).toEqual(['a', 'b', 'c']);
  });

  it('loads SENTINEL_RULES inline or from a file, overriding and disabling built-ins by id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-'));
    try {
      const file = path.join(dir, 'rules.yaml');
      fs.writeFileSync(
        file,
        '- id: injection-high\n  enabled: false\n- id: mine\n  when: { kind: "x*" }\n  actions: [monitor]\n',
      );
      const fromFile = loadUserRules(file);
      expect(fromFile.problems).toEqual([]);
      const merged = mergeRules(BUILTIN_RULES, fromFile);
      expect(merged.find((r) => r.id === 'injection-high')).toBeUndefined();
      expect(merged.find((r) => r.id === 'mine')?.when?.kind).toEqual(['x*']);

      const inline = loadUserRules(
        '[{"id":"path-traversal-medium","when":{"category":"path_traversal"},"severity":"low","actions":["monitor"]}]',
      );
      expect(mergeRules(BUILTIN_RULES, inline).find((r) => r.id === 'path-traversal-medium')?.severity).toBe('low');

      const missing = loadUserRules(path.join(dir, 'nope.json'));
      expect(missing.problems[0].message).toMatch(/cannot read rules file: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('createEngine keeps serving with the built-ins when user rules are invalid', () => {
    const { ruleIds, problems } = createEngine('{"rules": 5}');
    expect(problems).toHaveLength(1);
    expect(ruleIds).toEqual(BUILTIN_RULES.map((r) => r.id));
  });
});

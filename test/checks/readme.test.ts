/**
 * The README's configuration table is the one generated from CONFIG_SPEC, and the generator script keeps it so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_SPEC } from '../../protocol/config';
import {
  CONFIG_TABLE_END,
  CONFIG_TABLE_START,
  configTable,
  readConfigSection,
  withConfigSection,
} from '../../scripts/docs/config-table';

const root = resolve(__dirname, '../..');
const generator = join(root, 'scripts/docs/gen.mjs');
const HINT = 'README.md configuration table is out of date or missing: run `npm run docs` (node scripts/docs/gen.mjs)';

test('README.md shows the table generated from CONFIG_SPEC', () => {
  const section = readConfigSection(readFileSync(join(root, 'README.md'), 'utf8'));
  const expected = configTable();
  if (section !== expected) {
    // Show the hint first; the diff below it tells what changed.
    console.error(HINT);
    expect({ hint: HINT, section }).toEqual({ hint: HINT, section: expected });
  }
  expect(section).toBe(expected);
});

test('the table has one row per variable, in spec order, with defaults and accepted values', () => {
  const rows = configTable()
    .split('\n')
    .filter((l) => l.startsWith('| `SENTINEL_'));
  expect(rows.map((r) => /^\| `([A-Z_]+)`/.exec(r)?.[1])).toEqual(CONFIG_SPEC.map((v) => v.name));
  expect(rows.find((r) => r.startsWith('| `SENTINEL_MODE`'))).toBe(
    '| `SENTINEL_MODE` | `monitor`, `block` | `monitor` | Default action of the agent for every category: report only, or stop the operation. |',
  );
  // Every row has exactly four cells (no unescaped pipe from an accepted-values list or a description).
  for (const r of rows) expect(r.replace(/\\\|/g, '').split('|').length).toBe(6);
});

test('a spec change makes the README stale (the check can fail)', () => {
  const changed = [
    ...CONFIG_SPEC,
    { name: 'SENTINEL_NEW_SETTING', key: 'mode' as const, kind: { type: 'bool' as const }, description: 'New.' },
  ];
  expect(configTable(changed)).not.toBe(configTable());
  expect(configTable(changed)).toContain('| `SENTINEL_NEW_SETTING` |');
});

test('withConfigSection replaces only the marked section, appends it when missing, and is idempotent', () => {
  const readme = `# Title\n\nintro\n\n## Configuration\n\n${CONFIG_TABLE_START}\nold\n${CONFIG_TABLE_END}\n\n## After\n\ntext\n`;
  const updated = withConfigSection(readme, 'new table\n');
  expect(updated).toBe(
    `# Title\n\nintro\n\n## Configuration\n\n${CONFIG_TABLE_START}\nnew table\n${CONFIG_TABLE_END}\n\n## After\n\ntext\n`,
  );
  expect(withConfigSection(updated, 'new table\n')).toBe(updated);
  expect(withConfigSection('# Title\n\nintro\n', 'T\n')).toBe(
    `# Title\n\nintro\n\n## Configuration\n\n${CONFIG_TABLE_START}\nT\n${CONFIG_TABLE_END}\n`,
  );
});

test('gen.mjs --check fails on a stale README with a hint, and gen.mjs repairs only its section', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-readme-'));
  try {
    const file = join(dir, 'README.md');
    const original = readFileSync(join(root, 'README.md'), 'utf8');
    const stale = original.replace('| `SENTINEL_MODE` |', '| `SENTINEL_MOOD` |');
    expect(stale).not.toBe(original);
    writeFileSync(file, stale);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [generator, '--readme', file, ...args], { encoding: 'utf8' });

    const check = run('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('npm run docs');
    expect(readFileSync(file, 'utf8')).toBe(stale);

    expect(run().status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(withConfigSection(original));
    expect(run('--check').status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

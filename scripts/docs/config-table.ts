/**
 * The README's configuration table, generated from CONFIG_SPEC so the docs cannot drift from the parser.
 * `node scripts/docs/gen.mjs` writes it between the markers; test/checks/readme.test.ts fails when it is stale.
 */
import { CONFIG_SPEC, type ConfigVar } from '../../protocol/config';

export const CONFIG_TABLE_START = '<!-- config-table:start -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

const code = (s: string) => `\`${s}\``;
/** Markdown table cells cannot hold a raw pipe or newline. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function acceptedValues(v: ConfigVar): string {
  const k = v.kind;
  switch (k.type) {
    case 'enum':
      return k.values.map(code).join(', ');
    case 'bool':
      return `${code('true')} or ${code('false')} (also ${code('1')}/${code('0')}, ${code('yes')}/${code('no')}, ${code('on')}/${code('off')})`;
    case 'int':
      return `integer ${k.min}–${k.max}`;
    case 'list':
      return k.values ? `comma list of ${k.values.map(code).join(', ')}` : 'comma list';
    case 'string':
      return k.describe ?? 'text';
  }
}

function defaultValue(v: ConfigVar): string {
  if (v.default === undefined) return 'unset';
  if (v.default === '') return 'empty';
  return code(v.default);
}

function meaning(v: ConfigVar): string {
  const notes = [v.internal ? '*Set by Sentinel itself.*' : '', v.secret ? '*Secret: never logged.*' : ''];
  return [v.description, ...notes].filter(Boolean).join(' ');
}

/** The section's content (without the markers), ending with a newline. */
export function configTable(spec: readonly ConfigVar[] = CONFIG_SPEC): string {
  const rows = spec.map(
    (v) => `| ${[code(v.name), acceptedValues(v), defaultValue(v), meaning(v)].map(cell).join(' | ')} |`,
  );
  return [
    `Attach the layer and set ${code('AWS_LAMBDA_EXEC_WRAPPER=/opt/sentinel-wrapper')} to turn Sentinel on; the`,
    `${code('SENTINEL_*')} variables below tune it. An invalid value is reported with the variable's name and the`,
    `accepted values, and the default applies (${code('SENTINEL_STRICT_CONFIG=true')} makes it fail the init instead).`,
    `This table is generated from ${code('protocol/config.ts')} by ${code('npm run docs')}: do not edit it by hand.`,
    '',
    '| variable | accepted values | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** The text between the markers, or undefined when the README has no such section. */
export function readConfigSection(readme: string): string | undefined {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme.slice(start + CONFIG_TABLE_START.length, end).replace(/^\n/, '');
}

/**
 * The README with the section replaced by `table`; a README without the markers gets a "## Configuration" section
 * with them appended at the end.
 */
export function withConfigSection(readme: string, table: string = configTable()): string {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start === -1 || end === -1 || end < start)
    return `${readme.replace(/\n*$/, '')}\n\n## Configuration\n\n${CONFIG_TABLE_START}\n${table}${CONFIG_TABLE_END}\n`;
  return `${readme.slice(0, start + CONFIG_TABLE_START.length)}\n${table}${readme.slice(end)}`;
}

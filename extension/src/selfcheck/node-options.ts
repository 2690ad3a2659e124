/**
 * Extracts the modules NODE_OPTIONS preloads (`--require`, `-r`, `--import`, `--loader`, `--experimental-loader`,
 * both `--flag value` and `--flag=value`). Node splits NODE_OPTIONS on spaces and honours double quotes.
 */
const PRELOAD_FLAGS = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);

export function tokenizeNodeOptions(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && inQuotes && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (ch === '"') {
      inQuotes = !inQuotes;
      has = true;
    } else if (ch === ' ' && !inQuotes) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

export function preloadsOf(nodeOptions: string | undefined): { flag: string; module: string }[] {
  if (!nodeOptions) return [];
  const tokens = tokenizeNodeOptions(nodeOptions);
  const out: { flag: string; module: string }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const eq = t.indexOf('=');
    const flag = eq > 0 ? t.slice(0, eq) : t;
    if (!PRELOAD_FLAGS.has(flag)) continue;
    const module = eq > 0 ? t.slice(eq + 1) : tokens[++i];
    if (module !== undefined) out.push({ flag, module });
  }
  return out;
}

/**
 * `sentinel incidents --function F [--since 1h] [--table T] [--json]`: lists a function's incidents (and audit
 * records) newest first, with one Query on the incident table (never a Scan).
 */
import { parseArgs } from 'node:util';
import { createAwsClients, errorInfo } from '../../../extension/src/record/aws';
import { queryIncidents, type StoredItem } from '../../../extension/src/record/incidents';

export const summary = "list a function's incidents from the incident table";
export const usage =
  'sentinel incidents --function NAME [--since 1h|30m|2d|ISO] [--table TABLE] [--limit N] [--json] [--region REGION]';

/** `90s`, `30m`, `1h`, `2d`, `1w` or an ISO time → ISO time. */
export function parseSince(v: string, now = Date.now()): string | undefined {
  const m = /^(\d+)\s*([smhdw])$/.exec(v.trim());
  if (m) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now - Number(m[1]) * unit * 1000).toISOString();
  }
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function line(it: StoredItem): string {
  if (it.type === 'audit') return `${it.createdAt}  AUDIT     ${it.action} by ${it.actor}: ${it.detail}`;
  const actions = it.actions.map((a) => `${a.type}:${a.status}`).join(',') || '-';
  return `${it.createdAt}  ${it.severity.toUpperCase().padEnd(8)}  ${it.rule}  ${it.category}  findings=${it.findingCount}  actions=${actions}  request=${it.requestId ?? '-'}  id=${it.id}\n      ${it.title}`;
}

export async function runIncidents(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = console.log,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      function: { type: 'string' },
      since: { type: 'string', default: '24h' },
      table: { type: 'string' },
      limit: { type: 'string', default: '100' },
      json: { type: 'boolean', default: false },
      region: { type: 'string' },
    },
    strict: true,
  });
  const table = values.table ?? env.SENTINEL_INCIDENT_TABLE;
  const since = parseSince(values.since);
  if (!values.function || !table || !since) {
    out(
      `usage: ${usage}${!table ? '\n(no table: pass --table or set SENTINEL_INCIDENT_TABLE)' : ''}${!since ? `\n(bad --since ${values.since})` : ''}`,
    );
    return 2;
  }
  const clients = createAwsClients(values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1');
  try {
    const items = await queryIncidents(clients.ddb(), table, values.function, since, {
      limit: Number(values.limit) || 100,
    });
    if (values.json) out(JSON.stringify(items, null, 2));
    else {
      out(`${items.length} record(s) for ${values.function} since ${since}`);
      for (const it of items) out(line(it));
    }
    return 0;
  } catch (e) {
    const i = errorInfo(e);
    out(`cannot query ${table}: ${i.name}: ${i.message}`);
    return 1;
  }
}

export const run = runIncidents;

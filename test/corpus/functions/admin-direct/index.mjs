// Operations function invoked directly (aws lambda invoke): {action: 'diag', file} returns a log file;
// {action: 'report', webhook?, debug?} posts runtime stats (with debug: the credentials in use) to a webhook,
// CONFIG REPORT_URL by default. Vulnerable: arbitrary file read (T4, /proc/self/environ → T5) and credentials sent
// to an event-chosen URL (T5, T6).
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

writeFileSync(`${tmpdir()}/diag.log`, 'diag ok\n');

export const handler = async (event) => {
  if (event.action === 'diag') {
    try {
      return { content: readFileSync(event.file, 'utf8') };
    } catch (e) {
      return { error: e.message, code: e.code };
    }
  }
  if (event.action === 'report') {
    const stats = { uptime: process.uptime(), memory: process.memoryUsage().rss };
    if (event.debug) stats.credentials = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    try {
      const res = await fetch(event.webhook || process.env.REPORT_URL, {
        method: 'POST',
        body: JSON.stringify(stats),
        signal: AbortSignal.timeout(2000),
      });
      return { status: res.status };
    } catch (e) {
      return { error: e.message, code: e.code || (e.cause && e.cause.code) };
    }
  }
  return { error: 'unknown action' };
};

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postSlack } from './slack';

type Reply = { status: number; headers?: Record<string, string> } | 'hang';

/** A real loopback webhook answering with a scripted sequence (last reply repeats). */
async function webhook(replies: Reply[]): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    const r = replies[Math.min(hits, replies.length - 1)];
    hits++;
    if (r === 'hang') return;
    res.writeHead(r.status, r.headers).end(r.status === 200 ? 'ok' : 'no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/services/T/B/secret-token`,
    hits: () => hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('postSlack', () => {
  it('honours Retry-After on 429 when it fits before the deadline', async () => {
    const w = await webhook([{ status: 429, headers: { 'retry-after': '0' } }, { status: 200 }]);
    const retries: string[] = [];
    try {
      const r = await postSlack(w.url, { text: 'x' }, Date.now() + 2000, (why) => retries.push(why));
      expect(r).toMatchObject({ ok: true, attempts: 2, status: 200 });
      expect(retries).toEqual(['HTTP 429']);
    } finally {
      await w.close();
    }
  });

  it('gives up at once when Retry-After is beyond the deadline, without the URL in the error', async () => {
    const w = await webhook([{ status: 429, headers: { 'retry-after': '30' } }]);
    try {
      const t0 = Date.now();
      const r = await postSlack(w.url, { text: 'x' }, t0 + 1000);
      expect(Date.now() - t0).toBeLessThan(500);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/Retry-After 30000 ms exceeds the deadline/);
      expect(JSON.stringify(r)).not.toContain('secret-token');
      expect(w.hits()).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('a hanging webhook is abandoned at the deadline; 4xx is not retried', async () => {
    const hang = await webhook(['hang']);
    try {
      const t0 = Date.now();
      const r = await postSlack(hang.url, {}, t0 + 700);
      expect(r.ok).toBe(false);
      expect(Date.now() - t0).toBeLessThan(900);
      expect(hang.hits()).toBeGreaterThanOrEqual(1);
    } finally {
      await hang.close();
    }
    const gone = await webhook([{ status: 404 }]);
    try {
      const r = await postSlack(gone.url, {}, Date.now() + 2000);
      expect(r).toMatchObject({ ok: false, attempts: 1, status: 404 });
    } finally {
      await gone.close();
    }
  });
});

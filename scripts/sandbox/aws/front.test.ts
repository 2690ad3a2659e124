import http from 'node:http';
import { CallLog } from './call-log';
import { Front } from './front';
import type { HttpReply } from './http';
import type { ServiceProtocol } from './protocols';

const protocol: ServiceProtocol = {
  service: 'slack',
  describe: (req) => ({ service: 'slack', operation: req.url, request: { body: req.body.toString() } }),
  faultReply: (kind) => ({ status: kind === 'throttle' ? 429 : 503, body: kind }),
};

/** One request on a fresh connection; resolves with status and body, or with the socket error's code. */
function post(
  url: string,
  body: string,
  timeoutMs = 2000,
): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request(`${url}/op`, { method: 'POST', agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: Error & { code?: string }) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

async function withFront(backend: (body: string) => HttpReply, run: (front: Front, log: CallLog) => Promise<void>) {
  const log = new CallLog();
  const front = await Front.start({ protocol, log, backend: (req) => backend(req.body.toString()) });
  try {
    await run(front, log);
  } finally {
    await front.stop();
  }
}

const echo = (body: string): HttpReply => ({ status: 200, body: `echo:${body}` });

test('forwards and logs each request with its status', () =>
  withFront(echo, async (front, log) => {
    expect(await post(front.url, 'a')).toEqual({ status: 200, body: 'echo:a' });
    expect(log.list()).toEqual([
      expect.objectContaining({ service: 'slack', operation: '/op', status: 200, request: { body: 'a' } }),
    ]);
  }));

test('a counted hang holds one request only; the next is answered', () =>
  withFront(echo, async (front, log) => {
    front.setFault({ kind: 'hang' }, 1);
    const hung = post(front.url, 'h', 300);
    for (let i = 0; i < 100 && log.list().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await post(front.url, 'b')).toEqual({ status: 200, body: 'echo:b' });
    expect(await hung).toEqual({ error: 'TIMEOUT' });
    expect(log.list().map((c) => c.status)).toEqual([0, 200]);
  }));

test('stop() releases a request waiting out its latency without answering it', async () => {
  const log = new CallLog();
  const front = await Front.start({ protocol, log, backend: (req) => echo(req.body.toString()) });
  front.setFault({ kind: 'latency', ms: 10_000 });
  const slow = post(front.url, 's', 5000);
  for (let i = 0; i < 100 && log.list().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  const started = Date.now();
  await front.stop();
  expect((await slow).error).toBe('ECONNRESET');
  expect(Date.now() - started).toBeLessThan(1000);
});

test('unreachable refuses on the same port until cleared; a failing backend becomes the 5xx reply', () =>
  withFront(
    () => {
      throw new Error('backend down');
    },
    async (front) => {
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        front.setFault({ kind: 'unreachable' });
        expect(await post(front.url, 'x')).toEqual({ error: 'ECONNREFUSED' });
        front.setFault({ kind: 'none' });
        expect(await post(front.url, 'y')).toEqual({ status: 503, body: 'error5xx' });
        expect(stderr).toHaveBeenCalledWith(expect.stringContaining('backend down'));
      } finally {
        stderr.mockRestore();
      }
    },
  ));

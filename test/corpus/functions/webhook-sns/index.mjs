// SNS consumer that reports job status to a callback: Message {status, callbackUrl?}; without callbackUrl the
// configured CALLBACK_URL is used. Vulnerable: the callback URL comes from the message (T6 SSRF).
import http from 'node:http';

const post = (url, body) =>
  new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (e) => resolve({ error: e.message, code: e.code }));
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.end(JSON.stringify(body));
  });

export const handler = async (event) => {
  const msg = JSON.parse(event.Records[0].Sns.Message);
  return post(msg.callbackUrl || process.env.CALLBACK_URL, { status: msg.status });
};

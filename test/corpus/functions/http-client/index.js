// Partner API client (EventBridge): posts each event to an allowed API with a bearer token from configuration and
// reads it back with fetch. The API host is in SENTINEL_EGRESS_ALLOW.
const https = require('node:http');

const post = (url, body) =>
  new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.PARTNER_TOKEN}` } },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });

exports.handler = async (event) => {
  const base = process.env.PARTNER_API;
  const sent = await post(`${base}/v1/events`, { type: event['detail-type'], detail: event.detail });
  const check = await fetch(`${base}/v1/events/${encodeURIComponent(event.detail.orderId)}`, {
    headers: { authorization: `Bearer ${process.env.PARTNER_TOKEN}` },
  });
  return { sent: sent.status, check: check.status };
};

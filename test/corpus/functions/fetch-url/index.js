// Proxy behind a Lambda Function URL: GET ?path=<relative path> is fetched from the configured API. Vulnerable:
// `new URL(path, base)` lets an absolute URL replace the base (T6 SSRF, also towards the Runtime API).
exports.handler = async (event) => {
  const q = event.queryStringParameters || {};
  try {
    const res = await fetch(new URL(q.path || 'v1/health', process.env.API_BASE), { signal: AbortSignal.timeout(2000) });
    return { statusCode: res.status, body: await res.text() };
  } catch (e) {
    return { statusCode: 502, body: JSON.stringify({ error: e.message, code: e.code || (e.cause && e.cause.code) }) };
  }
};

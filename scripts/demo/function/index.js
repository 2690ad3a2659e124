// The demo's vulnerable function: a tiny "reports" API behind API Gateway (HTTP API, payload format 2.0).
//   GET /reports?name=q3-summary.txt  → the text of ./reports/q3-summary.txt
// The bug, on purpose (CWE-22 path traversal): `name` goes into the file path unchecked, so
// `?name=../../../../etc/passwd` reads any file the process can read. Sentinel's agent sees the event input
// escape the reports directory in the file read (block mode stops the read before it runs).
const fs = require('node:fs');

const REPORTS = `${__dirname}/reports`;

const reply = (statusCode, body, type = 'application/json') => ({
  statusCode,
  headers: { 'content-type': type },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

exports.handler = async (event) => {
  const method = event.requestContext?.http?.method;
  if (method !== 'GET' || event.rawPath !== '/reports') return reply(404, { error: 'not found' });
  const name = event.queryStringParameters?.name;
  if (!name) return reply(400, { error: 'missing ?name=' });
  console.log(`reports: request for ${JSON.stringify(name)}`); // access log
  try {
    // VULNERABLE: should be `path.basename(name)` or a check that the resolved path stays under REPORTS.
    const text = fs.readFileSync(`${REPORTS}/${name}`, 'utf8');
    return reply(200, text, 'text/plain; charset=utf-8');
  } catch (err) {
    if (err.code === 'ENOENT') return reply(404, { error: 'no such report' });
    console.error(`reports: could not read ${name}: ${err.code ?? err.name}`);
    return reply(500, { error: 'could not read the report' });
  }
};

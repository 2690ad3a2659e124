// Static file endpoint behind API Gateway (REST, v1): GET /files?name=<file>. Vulnerable: the name is
// concatenated into the path (T4 path traversal, /proc/self/environ disclosure).
const fs = require('node:fs');

exports.handler = async (event) => {
  const name = (event.queryStringParameters || {}).name || 'index.html';
  try {
    const content = fs.readFileSync(`${__dirname}/public/${name}`, 'utf8');
    return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: content };
  } catch (e) {
    return { statusCode: 404, body: JSON.stringify({ error: e.code || e.message }) };
  }
};

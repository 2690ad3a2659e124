// Greeting preview behind an ALB: POST /preview {greeting, name}. Vulnerable: the greeting is pasted into code that
// is compiled with `new Function` (T3 code injection).
exports.handler = async (event) => {
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const body = JSON.parse(raw || '{}');
  try {
    const render = new Function('name', `return "${body.greeting}, " + name`);
    return { statusCode: 200, statusDescription: '200 OK', body: String(render(body.name || 'friend')) };
  } catch (e) {
    return { statusCode: 400, statusDescription: '400 Bad Request', body: JSON.stringify({ error: e.message, code: e.code }) };
  }
};

// HTML rendering behind an ALB, lodash.template / EJS style: templates are compiled with `new Function` at init,
// rendered with request data (escaped) per request.
const TEMPLATES = {
  invoice: '<h1>Invoice <%= number %></h1><p>Dear <%= customer %>, you owe <%= amount %> EUR.</p>',
  welcome: '<p>Welcome, <%= name %>! Your plan: <%= plan %>.</p>',
};

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function compile(src) {
  let code = "let out = '';\nwith (data) {\n";
  let last = 0;
  for (const match of src.matchAll(/<%=\s*(\w+)\s*%>/g)) {
    code += `out += ${JSON.stringify(src.slice(last, match.index))};\nout += escape(${match[1]});\n`;
    last = match.index + match[0].length;
  }
  code += `out += ${JSON.stringify(src.slice(last))};\n}\nreturn out;`;
  return new Function('data', 'escape', code);
}

const compiled = Object.fromEntries(Object.entries(TEMPLATES).map(([k, v]) => [k, compile(v)]));

exports.handler = async (event) => {
  const name = event.path.split('/').pop();
  const data = JSON.parse(event.body || '{}');
  const html = compiled[name](data, escapeHtml);
  return { statusCode: 200, statusDescription: '200 OK', headers: { 'content-type': 'text/html' }, body: html };
};

// PDF rendering (API Gateway REST): like @sparticuz/chromium, the browser is extracted to /tmp on first use and run
// from there with an argument array. The /tmp path is declared in SENTINEL_EXEC_ALLOW.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function browser() {
  const dir = path.join(os.tmpdir(), 'chromium');
  const exe = path.join(dir, 'headless_shell');
  if (!fs.existsSync(exe)) {
    fs.mkdirSync(dir, { recursive: true });
    // Like @sparticuz/chromium: the inflated browser is written with an executable mode (no separate chmod).
    fs.writeFileSync(exe, fs.readFileSync(path.join(__dirname, 'bin', 'headless_shell')), { mode: 0o755 });
  }
  return exe;
}

exports.handler = async (event) => {
  const { url } = JSON.parse(event.body || '{}');
  const out = path.join(os.tmpdir(), `page-${Date.now()}.pdf`);
  execFileSync(browser(), [`--print-to-pdf=${out}`, url], { encoding: 'utf8' });
  const pdf = fs.readFileSync(out, 'utf8');
  fs.unlinkSync(out);
  return { statusCode: 200, headers: { 'content-type': 'application/pdf' }, body: pdf };
};

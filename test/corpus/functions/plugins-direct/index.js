// Plugin host invoked directly: {use} loads a bundled plugin, {install: {name, source}} saves a plugin to /tmp and
// loads it, {tool: {name, script}} saves a helper script to /tmp and runs it, {debug: 'binding'} inspects the raw
// bindings. Vulnerable: code and programs from the event are dropped in /tmp and run (T8), raw bindings (T12).
const cp = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const attempt = (fn) => {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: e.message, code: e.code };
  }
};

exports.handler = async (event) => {
  if (event.use) return attempt(() => require(`./plugins/${['csv', 'json'].includes(event.use) ? event.use : 'json'}.js`).name);
  if (event.install) {
    const dir = path.join(os.tmpdir(), 'plugins');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${event.install.name}.js`);
    fs.writeFileSync(file, event.install.source);
    return attempt(() => typeof require(file));
  }
  if (event.tool) {
    const file = path.join(os.tmpdir(), event.tool.name);
    fs.writeFileSync(file, event.tool.script);
    fs.chmodSync(file, 0o755);
    return attempt(() => String(cp.execFileSync(file)));
  }
  if (event.debug === 'binding') return attempt(() => typeof process.binding('spawn_sync'));
  return { error: 'nothing to do' };
};

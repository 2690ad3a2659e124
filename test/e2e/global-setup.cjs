// End-to-end tests run the built artefacts (CLI, sandbox runtime, layer), so build them once first.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build', 'build.mjs')], { stdio: 'inherit' });
};

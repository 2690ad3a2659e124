// Export service (direct invoke) with format plugins loaded by dynamic require from the bundle.
const path = require('node:path');

const PLUGIN_DIR = path.join(__dirname, 'plugins');
const known = new Set(['csv', 'xml']);

exports.handler = async (event) => {
  const format = known.has(event.format) ? event.format : 'csv';
  const plugin = require(path.join(PLUGIN_DIR, format));
  return { format, output: plugin.render(event.rows || []) };
};

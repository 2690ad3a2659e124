// Thumbnail endpoint behind API Gateway (HTTP, v2): POST {width, options}. Vulnerable: the width goes into a shell
// command (T1/T2), and options are deep-merged into defaults without key filtering (T13).
import { execSync } from 'node:child_process';

const defaults = { quality: 80, format: 'webp' };
const merge = (target, source) => {
  for (const k of Object.keys(source)) {
    if (source[k] && typeof source[k] === 'object') {
      if (!target[k]) target[k] = {};
      merge(target[k], source[k]);
    } else target[k] = source[k];
  }
  return target;
};

export const handler = async (event) => {
  const body = JSON.parse(event.body || '{}');
  const settings = merge(merge({}, defaults), body.options || {});
  try {
    const out = execSync(`echo resize ${body.width}`, { encoding: 'utf8' }).trim();
    return { statusCode: 200, body: JSON.stringify({ out, settings }) };
  } catch (e) {
    return { statusCode: 500, body: JSON.stringify({ error: e.message, code: e.code }) };
  }
};

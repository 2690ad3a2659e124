// DynamoDB stream consumer: archives changed items and applies user preferences. Vulnerable: the file name goes
// into a shell command (T1 via a stream record, T2) and preferences (JSON in an attribute) are deep-merged (T13).
const { execSync } = require('node:child_process');

const merge = (target, source) => {
  for (const k of Object.keys(source)) {
    if (source[k] && typeof source[k] === 'object') {
      if (!target[k]) target[k] = {};
      merge(target[k], source[k]);
    } else target[k] = source[k];
  }
  return target;
};

exports.handler = async (event) => {
  const out = [];
  for (const r of event.Records) {
    const img = r.dynamodb.NewImage;
    const prefs = merge({ theme: 'light' }, JSON.parse((img.prefs && img.prefs.S) || '{}'));
    let archived;
    try {
      archived = execSync(`echo archived ${img.filename.S}`, { encoding: 'utf8' }).trim();
    } catch (e) {
      archived = { error: e.message, code: e.code };
    }
    out.push({ prefs, archived });
  }
  return out;
};

// Search indexer on a DynamoDB stream: unmarshalls new images, writes gzip'd index shards to /tmp, reads them
// back and hashes them.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const unmarshall = (img) =>
  Object.fromEntries(Object.entries(img).map(([k, v]) => [k, v.S !== undefined ? v.S : v.N !== undefined ? Number(v.N) : null]));

exports.handler = async (event) => {
  const dir = path.join(os.tmpdir(), 'index');
  fs.mkdirSync(dir, { recursive: true });
  const out = [];
  for (const r of event.Records) {
    const doc = unmarshall(r.dynamodb.NewImage);
    const file = path.join(dir, `${crypto.createHash('sha1').update(String(doc.pk)).digest('hex')}.json.gz`);
    fs.writeFileSync(file, zlib.gzipSync(JSON.stringify(doc)));
    const back = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
    out.push({ pk: back.pk, shards: fs.readdirSync(dir).length });
  }
  return out;
};

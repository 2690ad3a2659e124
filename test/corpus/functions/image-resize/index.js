// Image resizing on S3 uploads: runs the bundled tool with an argument array (no shell).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const TOOL = path.join(__dirname, 'bin', 'resize.sh');

exports.handler = async (event) => {
  const out = [];
  for (const r of event.Records) {
    const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
    const dest = path.join(os.tmpdir(), `thumb-${path.basename(key)}.txt`);
    const stdout = execFileSync(TOOL, ['--width', process.env.THUMB_WIDTH || '320', key, dest], { encoding: 'utf8' });
    out.push({ key, stdout: stdout.trim(), size: fs.statSync(dest).size });
  }
  return out;
};

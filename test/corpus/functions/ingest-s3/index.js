// S3 upload hook: measures each new object with a shell command. Vulnerable: the object key (URL-encoded in the
// event) is placed inside double quotes, so a key containing `"` escapes them (T1 via an S3 key, T2).
const { execSync } = require('node:child_process');
const os = require('node:os');

exports.handler = async (event) => {
  const key = decodeURIComponent(event.Records[0].s3.object.key.replace(/\+/g, ' '));
  try {
    const out = execSync(`wc -c "${os.tmpdir()}/${key}" 2>/dev/null || echo missing`, { encoding: 'utf8' }).trim();
    return { key, out };
  } catch (e) {
    return { key, error: e.message, code: e.code };
  }
};

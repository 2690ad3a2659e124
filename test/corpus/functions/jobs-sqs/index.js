// SQS job worker: each message {job, name} is announced with a shell command. Vulnerable: the name is
// interpolated into `exec` (T1 via a queue body, T2).
const { exec } = require('node:child_process');

const run = (cmd) =>
  new Promise((resolve) => exec(cmd, (err, stdout) => resolve(err ? { error: err.message, code: err.code } : { out: stdout.trim() })));

exports.handler = async (event) => {
  const results = [];
  for (const record of event.Records) {
    const msg = JSON.parse(record.body);
    results.push(await run(`echo job ${msg.job} for ${msg.name}`));
  }
  return { batchItemFailures: [], results };
};

// Video transcoding jobs from SQS: spawns the bundled encoder (a node script) with an argument array.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const ENCODER = new URL('./bin/ffmpeg.mjs', import.meta.url).pathname;

const run = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENCODER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: out.trim() }));
  });

export const handler = async (event) => {
  const results = [];
  for (const record of event.Records) {
    const job = JSON.parse(record.body);
    const dest = join(tmpdir(), `${basename(job.video)}.${job.format}`);
    const r = await run(['-i', job.video, '-vf', `scale=${Number(job.width)}:-1`, dest]);
    results.push({ ...r, output: readFileSync(dest, 'utf8').trim() });
  }
  return { batchItemFailures: [], results };
};

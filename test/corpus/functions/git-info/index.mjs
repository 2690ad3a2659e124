// Build-info reporter (EventBridge schedule, ESM): runs fixed shell commands (no event data in them) and a
// program with an argument array, as deploy tooling does.
import { exec, execFile } from 'node:child_process';
import { promisify } from 'node:util';

const sh = promisify(exec);
const run = promisify(execFile);

export const handler = async (event) => {
  const { stdout: kernel } = await sh('uname -s');
  const { stdout: date } = await run('date', ['-u', '+%Y']);
  return { kernel: kernel.trim(), year: date.trim(), rule: event.resources[0] || event['detail-type'] };
};

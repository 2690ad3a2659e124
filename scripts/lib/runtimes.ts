/**
 * Node binaries for the Lambda runtime matrix. nodejs20.x runs on the host's Node 20; nodejs22.x and nodejs24.x
 * come from the npm packages installed in test/runtimes (`make runtimes`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type RuntimeMajor = 20 | 22 | 24;
export const RUNTIME_MAJORS: readonly RuntimeMajor[] = [20, 22, 24];

const repoRoot = resolve(__dirname, '..', '..');

export function nodeBinary(major: RuntimeMajor): string | undefined {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const p = join(repoRoot, 'test', 'runtimes', 'node_modules', `node${major}`, 'bin', 'node');
  return existsSync(p) ? p : undefined;
}

/** The matrix that is available here; CI installs all three, so a missing one fails loudly there. */
export function availableRuntimes(): { major: RuntimeMajor; node: string }[] {
  const out: { major: RuntimeMajor; node: string }[] = [];
  for (const major of RUNTIME_MAJORS) {
    const node = nodeBinary(major);
    if (node) out.push({ major, node });
    else if (process.env.CI) throw new Error(`Node ${major} binary missing: run \`make runtimes\``);
  }
  return out;
}

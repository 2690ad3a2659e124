/**
 * The `sentinel` command registry. A command is a module under ./commands exporting `summary`, `usage` and
 * `run(argv, env?, out?) → exit code`. Add one by adding a line below (static imports so esbuild bundles them).
 */
export { UsageError } from './usage-error';
export interface CliCommand {
  summary: string;
  usage: string;
  run(argv: string[], env?: NodeJS.ProcessEnv, out?: (s: string) => void): Promise<number>;
}

import * as incidents from './commands/incidents';
import * as release from './commands/release';
import * as sandbox from './commands/sandbox';
import * as testAlert from './commands/test-alert';

export const COMMANDS: Record<string, CliCommand> = {
  sandbox,
  incidents,
  release,
  'test-alert': testAlert,
};

/**
 * `npx sentinel <command> [options]` (bundled to build/cli/sentinel.cjs by scripts/build/build.mjs).
 * Exit codes: 0 success, 1 failure while running, 2 bad command-line input.
 */
import { COMMANDS, UsageError } from './registry';

function isArgError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

function help(): string {
  const lines = ['usage: sentinel <command> [options]', '', 'commands:'];
  for (const [name, cmd] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(11)} ${cmd.summary}`);
  }
  lines.push('', 'sentinel <command> --help shows the options of a command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    process.stderr.write(`${help()}\n`);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`sentinel: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.summary}\nusage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (isArgError(err)) {
      process.stderr.write(`sentinel ${name}: ${(err as Error).message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`sentinel ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

// Runs when executed: directly, or through scripts/bin/sentinel.cjs which requires the bundle.
const entry = require.main?.filename ?? '';
if (require.main === module || /[\\/]sentinel\.cjs$/.test(entry)) {
  main(process.argv.slice(2)).then(
    (code) => {
      // Exit once stdout is flushed (a large --json report must not be cut off).
      process.stdout.write('', () => process.exit(code));
    },
    (err: unknown) => {
      process.stderr.write(`sentinel: ${String(err)}\n`);
      process.exit(1);
    },
  );
}

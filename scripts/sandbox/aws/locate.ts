/** Finds files of this package at run time, from source (ts-jest) as well as from an esbuild bundle in build/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The first `dir/<relative>` that exists, walking up from `start` and then from the working directory. */
export function findUp(relative: string, start: string = __dirname): string {
  for (const origin of [start, process.cwd()]) {
    let dir = origin;
    for (;;) {
      const candidate = join(dir, relative);
      if (existsSync(candidate)) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(`cannot find ${relative} above ${start} or ${process.cwd()}`);
}

/**
 * Extension discovery as RAPID does it (lambda-platform.md §2.1): every non-directory entry of `<layer>/extensions`,
 * sorted by file name in byte order. Executability is checked at launch, not here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ExtensionFile {
  name: string;
  path: string;
}

export function discoverExtensions(layerDir: string | undefined): ExtensionFile[] {
  if (!layerDir) return [];
  const dir = join(layerDir, 'extensions');
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => ({ name, path: join(dir, name) }));
}

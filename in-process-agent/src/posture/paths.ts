/**
 * Pure path facts for the posture part: which npm package a module file belongs to (its directory, so two copies
 * of one package stay apart) and which root of the execution environment it was loaded from.
 */

import { isUnder } from '../context/stack';
import type { Roots } from '../detectors/types';

export type RootKind = 'task' | 'layer' | 'runtime' | 'tmp' | 'other';

export interface PackageRef {
  /** `name` or `@scope/name`. */
  name: string;
  /** The package directory (`…/node_modules/<name>`), where its package.json lives. */
  dir: string;
}

const MARKER = '/node_modules/';

/** The package a file lies in (the innermost `node_modules/<name>`), or undefined for the function's own files. */
export function packageDirOf(file: string): PackageRef | undefined {
  const i = file.lastIndexOf(MARKER);
  if (i < 0) return undefined;
  const start = i + MARKER.length;
  let end = file.indexOf('/', start);
  if (end < 0) return undefined;
  if (file.charCodeAt(start) === 64 /* @ */) {
    end = file.indexOf('/', end + 1);
    if (end < 0) return undefined;
  }
  const name = file.slice(start, end);
  // `.bin`, `.pnpm` and the like are not packages.
  if (name.charCodeAt(0) === 46 /* . */) return undefined;
  return { name, dir: file.slice(0, end) };
}

/**
 * Where a module file comes from. Task, layer and runtime are checked before the tmp dirs: in the sandbox (and in
 * tests) those roots may themselves lie under /tmp.
 */
export function rootKindOf(file: string, roots: Roots): RootKind {
  if (isUnder(file, roots.taskRoot)) return 'task';
  if (roots.runtimeDir && isUnder(file, roots.runtimeDir)) return 'runtime';
  // Every layer is merged under /opt in Lambda (the sandbox's layer dir plays /opt and is the layer root).
  if (isUnder(file, roots.layerRoot) || file.startsWith('/opt/')) return 'layer';
  if (roots.tmpDirs.some((t) => isUnder(file, t))) return 'tmp';
  return 'other';
}

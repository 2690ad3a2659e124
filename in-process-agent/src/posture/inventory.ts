/**
 * Module inventory: which npm packages (and which dangerous builtins, by which package) the function loaded, and
 * when — during init or in which invocation. Fed by the module-load hook once per new module file and per builtin
 * `require`; only map lookups happen there. Versions are read later, off the critical path (see versions.ts).
 */
import type { Roots } from '../detectors/types';
import { packageDirOf, type RootKind, rootKindOf } from './paths';

/** Builtins whose first load during an invocation is a finding (a package reaching for processes, sockets, code). */
export const DANGEROUS_BUILTINS: ReadonlySet<string> = new Set([
  'child_process',
  'net',
  'vm',
  'worker_threads',
  'dgram',
  'cluster',
]);
/** Packages kept in the inventory; further ones are counted (a function never has this many). */
export const MAX_PACKAGES = 2000;
/** The function's own code (files outside any node_modules) in builtin attributions. */
export const APP = '(function)';

/** When something was first seen: `init`, or the request id of the invocation (`unknown`: after init, outside one). */
export type Seen = { phase: 'init' } | { phase: 'invoke' | 'unknown'; requestId?: string };

export interface PackageEntry {
  name: string;
  dir: string;
  root: RootKind;
  first: Seen;
  files: number;
  /** Filled in by the version reader: the package.json version, null when unreadable. */
  version?: string | null;
}

export interface BuiltinUse {
  builtin: string;
  /** The requiring package, or APP for the function's own files. */
  package: string;
  parent: string;
  first: Seen;
}

export class ModuleInventory {
  readonly packages = new Map<string, PackageEntry>();
  readonly builtins = new Map<string, BuiltinUse>();
  appFiles = 0;
  files = 0;
  overflow = 0;
  private readonly parentsSeen = new Map<string, Set<string>>();

  constructor(private readonly roots: Roots) {}

  /** A module file loaded for the first time. Returns the package entry when this file starts a new package. */
  onFile(file: string, seen: () => Seen): PackageEntry | undefined {
    this.files++;
    const ref = packageDirOf(file);
    if (!ref) {
      this.appFiles++;
      return undefined;
    }
    const known = this.packages.get(ref.dir);
    if (known) {
      known.files++;
      return undefined;
    }
    if (this.packages.size >= MAX_PACKAGES) {
      this.overflow++;
      return undefined;
    }
    const entry: PackageEntry = {
      name: ref.name,
      dir: ref.dir,
      root: rootKindOf(file, this.roots),
      first: seen(),
      files: 1,
    };
    this.packages.set(ref.dir, entry);
    return entry;
  }

  /**
   * A builtin required by `parent` (a module file). Returns the use when this package loads this dangerous
   * builtin for the first time; every later require of it by the same file costs two map lookups.
   */
  onBuiltin(name: string, parent: string | undefined, seen: () => Seen): BuiltinUse | undefined {
    if (!DANGEROUS_BUILTINS.has(name)) return undefined;
    const p = parent ?? '';
    let parents = this.parentsSeen.get(name);
    if (!parents) {
      parents = new Set();
      this.parentsSeen.set(name, parents);
    }
    if (parents.has(p)) return undefined;
    parents.add(p);
    const pkg = (p && packageDirOf(p)?.name) || APP;
    const key = `${pkg}\0${name}`;
    if (this.builtins.has(key)) return undefined;
    const use: BuiltinUse = { builtin: name, package: pkg, parent: p, first: seen() };
    this.builtins.set(key, use);
    return use;
  }
}

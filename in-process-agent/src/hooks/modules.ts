/**
 * CommonJS module loading. `Module._load` is the one door every `require` goes through: builtins we hook are
 * patched there on first use (so the preload stays tiny and lazy), file modules are checked once each against
 * the module-load policy, and `require` of a dangerous builtin by code evaluated from a string is attributed.
 * While the loader itself reads a module's source, fs hooks stand down (those reads are not the function's).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from '../core/agent';
import { checkModuleLoad } from '../policy/module-policy';
import type { AnyFn } from './registry';

interface ModuleStatic {
  _load: AnyFn;
  _resolveFilename: AnyFn;
  _extensions: Record<string, AnyFn>;
  prototype: { _compile: AnyFn };
  isBuiltin?: (s: string) => boolean;
  builtinModules: string[];
}

/** Builtins whose loading by evaluated code is itself suspicious. */
const DANGEROUS = new Set([
  'child_process',
  'net',
  'http',
  'https',
  'tls',
  'dgram',
  'dns',
  'fs',
  'fs/promises',
  'vm',
  'worker_threads',
]);
const MAX_RESOLVE_CACHE = 2048;

export class ModuleHooks {
  private readonly checkedFiles = new Set<string>();
  private readonly resolveCache = new Map<string, string>();
  /** The runtime's module search path (NODE_PATH) and its real paths (dependency layers may link elsewhere). */
  private searchPathCache: string[] | undefined;
  private esmHooked = false;

  constructor(
    private readonly agent: Agent,
    private readonly onBuiltin: (name: string) => void,
  ) {}

  install(Module: ModuleStatic): void {
    const agent = this.agent;
    const self = this;
    const builtins = new Set(Module.builtinModules);
    const isBuiltin = Module.isBuiltin ?? ((s: string) => s.startsWith('node:') || builtins.has(s));
    const originalLoad = Module._load;
    Module._load = function (this: unknown, ...a: unknown[]) {
      const request = a[0];
      if (typeof request === 'string' && agent.guard === 0) {
        try {
          if (isBuiltin(request)) {
            const name = request.startsWith('node:') ? request.slice(5) : request;
            self.onBuiltin(name);
            agent.posture?.onBuiltin(name, (a[1] as { filename?: string } | undefined)?.filename);
            if (DANGEROUS.has(name))
              agent.check(
                'require',
                () => [request],
                () => undefined,
                { evalOrigin: true, noBlock: false },
              );
          } else {
            const err = self.checkFile(Module, a);
            if (err) throw err;
          }
        } catch (e) {
          if ((e as { code?: unknown }).code === 'ERR_SENTINEL_BLOCKED') throw e;
          agent.internalError(e, 'Module._load');
        }
      }
      return originalLoad.apply(this, a);
    };
    agent.hooks.patches.push({
      target: Module,
      key: '_load',
      label: 'Module._load',
      wrapper: Module._load,
      original: originalLoad,
    });

    // Source reads by the loader are not operations of the function.
    for (const ext of ['.js', '.json', '.node', '.cjs']) {
      const original = Module._extensions[ext];
      if (typeof original !== 'function') continue;
      Module._extensions[ext] = function (this: unknown, ...a: unknown[]) {
        agent.guard++;
        try {
          return original.apply(this, a);
        } finally {
          agent.guard--;
        }
      };
    }
    // process.dlopen called by user code skips Module._load and with it the policy (test/tamper dlopen-addon);
    // the loader's own call (require of a .node file, already checked) runs with the guard raised.
    agent.hooks.patch(
      process,
      'dlopen',
      'process.dlopen',
      (original) =>
        function (this: unknown, ...a: unknown[]) {
          if (agent.guard === 0 && typeof a[1] === 'string') {
            const file = resolve(a[1]);
            const err = agent.check(
              'process.dlopen',
              () => [file],
              () => checkModuleLoad(file, agent.roots, agent.droppedFiles, self.searchPath()),
              { evalOrigin: true },
            );
            if (err) throw err;
          }
          return original.apply(this, a);
        },
    );
    const originalCompile = Module.prototype._compile;
    Module.prototype._compile = function (this: unknown, ...a: unknown[]) {
      const saved = agent.guard;
      agent.guard = 0; // the module's own top-level code is watched again
      try {
        return originalCompile.apply(this, a);
      } finally {
        agent.guard = saved;
      }
    };
  }

  private searchPath(): string[] {
    if (!this.searchPathCache) {
      const out = new Set<string>();
      for (const p of (this.agent.env.NODE_PATH ?? '').split(':')) {
        if (!p.startsWith('/')) continue;
        out.add(p);
        try {
          out.add(realpathSync(p));
        } catch {
          /* missing entries are fine */
        }
      }
      this.searchPathCache = [...out];
    }
    return this.searchPathCache;
  }

  /**
   * ES module loads (Node ≥ 22.15 / 24: `module.registerHooks`, in-thread and synchronous): the same policy for
   * every file an `import` resolves to. Node 20 has no in-thread hooks, so there ES modules are not checked.
   */
  installEsmHook(moduleApi: { registerHooks?: (h: { resolve: AnyFn }) => unknown }): boolean {
    if (typeof moduleApi.registerHooks !== 'function' || this.esmHooked) return false;
    this.esmHooked = true;
    const self = this;
    moduleApi.registerHooks({
      resolve(this: unknown, specifier: unknown, context: unknown, nextResolve: AnyFn) {
        const result = nextResolve(specifier, context) as { url?: unknown };
        if (self.agent.guard === 0 && typeof result?.url === 'string' && result.url.startsWith('file:')) {
          let err: Error | undefined;
          try {
            err = self.checkUrl(result.url);
          } catch (e) {
            self.agent.internalError(e, 'esm.resolve');
          }
          if (err) throw err;
        } else if (self.agent.posture && typeof result?.url === 'string' && result.url.startsWith('node:')) {
          self.esmBuiltin(result.url.slice(5), context);
        }
        return result;
      },
    });
    return true;
  }

  /** `import` of a builtin: the posture part notes which package reached for it. */
  private esmBuiltin(name: string, context: unknown): void {
    if (this.agent.guard !== 0) return;
    this.agent.posture?.onBuiltinImport(name, (context as { parentURL?: unknown } | undefined)?.parentURL);
  }

  private checkUrl(url: string): Error | undefined {
    const file = fileURLToPath(url);
    if (this.checkedFiles.has(file)) return undefined;
    this.checkedFiles.add(file);
    this.agent.posture?.onModuleFile(file);
    return this.agent.check(
      'import',
      () => [file],
      () => checkModuleLoad(file, this.agent.roots, this.agent.droppedFiles, this.searchPath()),
      { evalOrigin: true },
    );
  }

  private checkFile(Module: ModuleStatic, a: unknown[]): Error | undefined {
    const parent = a[1] as { filename?: string } | undefined;
    const key = `${parent?.filename ?? ''}\0${String(a[0])}`;
    let filename = this.resolveCache.get(key);
    if (filename === undefined) {
      this.agent.guard++;
      try {
        filename = String(Module._resolveFilename(a[0], a[1], a[2]));
      } catch {
        return undefined; // the real load will throw its own error
      } finally {
        this.agent.guard--;
      }
      if (this.resolveCache.size >= MAX_RESOLVE_CACHE) this.resolveCache.clear();
      this.resolveCache.set(key, filename);
    }
    if (this.checkedFiles.has(filename)) return undefined;
    this.checkedFiles.add(filename);
    this.agent.posture?.onModuleFile(filename);
    const file = filename;
    return this.agent.check(
      'require',
      () => [file],
      () => checkModuleLoad(file, this.agent.roots, this.agent.droppedFiles, this.searchPath()),
      { evalOrigin: true },
    );
  }
}

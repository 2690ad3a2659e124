/**
 * Loads the user's handler exactly as the managed runtime would (lambda-platform.md §5.3): RIC 3.x rules on
 * Node 20/22, RIC 4.x rules on Node 24; paths relative to LAMBDA_TASK_ROOT, nested and absolute module roots,
 * CJS/ESM/.mjs/.cjs/type:module, the package fallback through node_modules/NODE_PATH, and the same error names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type HandlerSpec, parseHandler, runtimeError } from './handler-name';

export { type HandlerSpec, parseHandler } from './handler-name';

export type RuleSet = 'ric3' | 'ric4';

/** Node 24 runs RIC 4.x rules; Node 20/22 RIC 3.x. */
export function rulesFor(nodeVersion: string = process.versions.node): RuleSet {
  return Number(nodeVersion.split('.')[0]) >= 24 ? 'ric4' : 'ric3';
}

export function typeModule(folder: string): boolean {
  if (folder.endsWith('/node_modules')) return false;
  const pj = join(folder, 'package.json');
  if (existsSync(pj)) {
    try {
      const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { type?: unknown } | null;
      if (pkg) return pkg.type === 'module';
    } catch {
      return false;
    }
  }
  if (folder === '/') return false;
  return typeModule(resolve(folder, '..'));
}

export interface Loaded {
  module: unknown;
  /** Base path of the module file (without extension), for diagnostics. */
  base: string;
}

export async function loadModule(
  appRoot: string,
  spec: HandlerSpec,
  rules: RuleSet,
  req: NodeRequire,
): Promise<unknown> {
  const base = resolve(appRoot, spec.moduleRoot, spec.moduleName);
  const tryRequire = (f: string) => (existsSync(f) ? req(f) : undefined);
  const tryImport = async (f: string) => (existsSync(f) ? await import(pathToFileURL(f).href) : undefined);
  if (rules === 'ric4') {
    for (const ext of ['', '.js', '.mjs', '.cjs']) {
      const m = await tryImport(base + ext);
      if (m) return m;
    }
    return req(req.resolve(spec.moduleName, { paths: [appRoot, join(appRoot, spec.moduleRoot)] }));
  }
  const extensionless = tryRequire(base);
  if (extensionless) return extensionless;
  const isTypeModule = existsSync(`${base}.js`) && typeModule(dirname(`${base}.js`));
  if (!isTypeModule) {
    const m = tryRequire(`${base}.js`);
    if (m) return m;
  }
  const m =
    (isTypeModule && (await tryImport(`${base}.js`))) || (await tryImport(`${base}.mjs`)) || tryRequire(`${base}.cjs`);
  if (m) return m;
  return req(req.resolve(spec.moduleName, { paths: [appRoot, spec.moduleRoot] }));
}

export function lookupHandler(mod: unknown, spec: HandlerSpec, rules: RuleSet): unknown {
  const walk = (root: unknown) =>
    spec.handlerPath.split('.').reduce<unknown>((o, k) => {
      if (rules === 'ric4') return o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
      return o ? (o as Record<string, unknown>)[k] : o;
    }, root);
  const direct = walk(mod);
  if (direct || rules === 'ric3') return direct;
  if (mod && typeof mod === 'object' && 'default' in mod) return walk((mod as { default: unknown }).default);
  return undefined;
}

/** Loads and returns the handler function, or throws the runtime's own error (ImportModuleError, ...). */
export async function loadUserHandler(
  appRoot: string,
  handler: string,
  rules: RuleSet = rulesFor(),
): Promise<{ fn: (...a: unknown[]) => unknown; spec: HandlerSpec; module: unknown }> {
  const spec = parseHandler(handler);
  const req = createRequire(join(appRoot, 'index.js'));
  let mod: unknown;
  try {
    mod = await loadModule(appRoot, spec, rules, req);
  } catch (e) {
    if (e instanceof SyntaxError) throw runtimeError('Runtime.UserCodeSyntaxError', String(e), e);
    if ((e as { code?: unknown })?.code === 'MODULE_NOT_FOUND')
      throw runtimeError('Runtime.ImportModuleError', String(e), e);
    throw e;
  }
  const fn = lookupHandler(mod, spec, rules);
  if (!fn) throw runtimeError('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${handler} is not a function`);
  return { fn: fn as (...a: unknown[]) => unknown, spec, module: mod };
}

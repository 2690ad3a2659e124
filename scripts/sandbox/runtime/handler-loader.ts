/**
 * Resolves `_HANDLER` to a function, with the rules of RIC 3.x (nodejs20.x/22.x) or RIC 4.x (nodejs24.x);
 * lambda-platform.md §5.3. Load failures become Runtime.* errors the platform reports at init.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  MalformedStreamingHandler,
  UserCodeSyntaxError,
} from './errors';

export type RuleSet = 'ric3' | 'ric4';
// biome-ignore lint/suspicious/noExplicitAny: user handlers take and return anything
export type UserHandler = (...args: any[]) => unknown;

export interface HandlerSpec {
  /** Directory part as written (`src/fns/`, `/opt/x/`, or empty). */
  moduleRoot: string;
  moduleName: string;
  /** Export path inside the module, dot separated (`handler`, `a.b.c`). */
  handlerPath: string;
}

const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
export const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const HANDLER_HIGHWATERMARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
export const STREAM_RESPONSE = 'response';

/** `require` as the runtime's own module sees it (the real one lives in /var/runtime). */
const runtimeRequire = createRequire(process.argv[1] ? resolve(process.argv[1]) : join(process.cwd(), 'index.js'));

export function parseHandlerString(handlerString: string): HandlerSpec {
  if (handlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleAndHandler = basename(handlerString);
  const moduleRoot = handlerString.substring(0, handlerString.indexOf(moduleAndHandler));
  const match = moduleAndHandler.match(FUNCTION_EXPR);
  if (match?.length !== 3) throw new MalformedHandlerName('Bad handler');
  return { moduleRoot, moduleName: match[1]!, handlerPath: match[2]! };
}

function tryRequire(file: string): unknown {
  return existsSync(file) ? runtimeRequire(file) : undefined;
}

async function tryImport(file: string): Promise<unknown> {
  return existsSync(file) ? await import(file) : undefined;
}

/** Nearest package.json says `"type":"module"`; the walk stops at a `node_modules` dir or `/`. */
export function folderIsTypeModule(folder: string): boolean {
  if (folder.endsWith('/node_modules')) return false;
  const pj = join(folder, 'package.json');
  if (existsSync(pj)) {
    try {
      const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { type?: unknown } | null;
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  if (folder === '/') return false;
  return folderIsTypeModule(resolve(folder, '..'));
}

/** RIC 3.x: extension-less require, `.js` by require unless type module, then `.js`/`.mjs` import, `.cjs` require. */
async function loadModuleRic3(appRoot: string, spec: HandlerSpec): Promise<unknown> {
  const base = resolve(appRoot, spec.moduleRoot, spec.moduleName);
  const extensionless = tryRequire(base);
  if (extensionless) return extensionless;

  const typeModule = existsSync(`${base}.js`) && folderIsTypeModule(dirname(`${base}.js`));
  if (!typeModule) {
    const loaded = tryRequire(`${base}.js`);
    if (loaded) return loaded;
  }
  const loaded =
    (typeModule && (await tryImport(`${base}.js`))) || (await tryImport(`${base}.mjs`)) || tryRequire(`${base}.cjs`);
  if (loaded) return loaded;

  // Packages (node_modules, NODE_PATH), e.g. `newrelic-lambda-wrapper.handler`. RIC 3.x passes the module root as
  // written, i.e. relative to the working directory.
  return runtimeRequire(runtimeRequire.resolve(spec.moduleName, { paths: [appRoot, spec.moduleRoot] }));
}

/** RIC 4.x: `import()` of base, `.js`, `.mjs`, `.cjs` (CJS too), then the package fallback. */
async function loadModuleRic4(appRoot: string, spec: HandlerSpec): Promise<unknown> {
  const base = resolve(appRoot, spec.moduleRoot, spec.moduleName);
  for (const ext of ['', '.js', '.mjs', '.cjs']) {
    const loaded = await tryImport(base + ext);
    if (loaded) return loaded;
  }
  const resolved = runtimeRequire.resolve(spec.moduleName, { paths: [appRoot, join(appRoot, spec.moduleRoot)] });
  return runtimeRequire(resolved);
}

function classifyLoadError(err: unknown): unknown {
  if (err instanceof SyntaxError) return new UserCodeSyntaxError(err);
  if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
    return new ImportModuleError(err);
  }
  return err;
}

function lookup(path: string, root: unknown, rules: RuleSet): unknown {
  return path.split('.').reduce<unknown>((nested, key) => {
    if (rules === 'ric4')
      return nested && typeof nested === 'object' ? (nested as Record<string, unknown>)[key] : undefined;
    return nested ? (nested as Record<string, unknown>)[key] : nested;
  }, root);
}

function findHandler(mod: unknown, spec: HandlerSpec, rules: RuleSet): unknown {
  const direct = lookup(spec.handlerPath, mod, rules);
  if (direct || rules === 'ric3') return direct;
  // RIC 4.x loads everything with import(): look on the namespace, then on its default export.
  if (typeof mod === 'object' && mod !== null && 'default' in mod) {
    return lookup(spec.handlerPath, (mod as { default: unknown }).default, rules);
  }
  return undefined;
}

export async function loadHandler(appRoot: string, handlerString: string, rules: RuleSet): Promise<UserHandler> {
  const spec = parseHandlerString(handlerString);
  let mod: unknown;
  try {
    mod = rules === 'ric3' ? await loadModuleRic3(appRoot, spec) : await loadModuleRic4(appRoot, spec);
  } catch (err) {
    throw classifyLoadError(err);
  }
  const handler = findHandler(mod, spec, rules);
  if (!handler) throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${handlerString} is not a function`);
  return handler as UserHandler;
}

export interface HandlerMetadata {
  streaming: boolean;
  highWaterMark: number | undefined;
  isAsync: boolean;
  argsNum: number;
}

type MarkedHandler = UserHandler & { [HANDLER_STREAMING]?: unknown; [HANDLER_HIGHWATERMARK]?: unknown };

export function handlerMetadata(handler: UserHandler): HandlerMetadata {
  const marked = handler as MarkedHandler;
  const mode = marked[HANDLER_STREAMING];
  if (mode !== undefined && mode !== null && mode !== false && mode !== STREAM_RESPONSE) {
    throw new MalformedStreamingHandler('Only response streaming is supported.');
  }
  const hwm = Number.parseInt(String(marked[HANDLER_HIGHWATERMARK]), 10);
  return {
    streaming: mode === STREAM_RESPONSE,
    highWaterMark: Number.isNaN(hwm) ? undefined : hwm,
    isAsync: handler.constructor?.name === 'AsyncFunction',
    argsNum: handler.length,
  };
}

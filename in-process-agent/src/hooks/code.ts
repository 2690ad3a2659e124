/**
 * Code-from-string sinks: the Function constructor (also reached as `Function.prototype.constructor`, and the
 * async/generator variants), vm compile/run functions and vm.Script, and string arguments to timers. `eval` itself
 * is not replaced (that would turn direct evals into indirect ones); what evaluated code does is attributed through
 * its `eval at` stack frames by the other hooks.
 */
import type * as vmT from 'node:vm';
import type { Agent } from '../core/agent';
import { lazy } from '../core/lazy';
import type { AnyFn } from './registry';

function codeOf(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : String(a))).join('\n');
}

export class CodeHooks {
  constructor(private readonly agent: Agent) {}

  check(sink: string, code: string): Error | undefined {
    if (this.agent.guard > 0) return undefined;
    return this.agent.check(
      sink,
      () => [code],
      (inputs) => lazy().detectors.detectCode(code, inputs, sink),
    );
  }

  /**
   * Replaces a function constructor by a Proxy: name, length, `prototype`, `instanceof`, subclassing and
   * `fn.constructor === Function` all keep working.
   */
  private proxyConstructor(ctor: AnyFn, sink: string): AnyFn {
    const self = this;
    const proxy: AnyFn = new Proxy(ctor, {
      apply(target, thisArg, args: unknown[]) {
        const err = self.check(sink, codeOf(args));
        if (err) throw err;
        return Reflect.apply(target, thisArg, args);
      },
      construct(target, args: unknown[], newTarget) {
        const err = self.check(sink, codeOf(args));
        if (err) throw err;
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    return proxy;
  }

  installFunction(g: typeof globalThis): void {
    const variants: Array<[AnyFn, string]> = [
      [Function as unknown as AnyFn, 'Function'],
      // biome-ignore lint/complexity/useArrowFunction: the constructor of an async function expression is wanted
      [Object.getPrototypeOf(async function () {}).constructor, 'AsyncFunction'],
      [Object.getPrototypeOf(function* () {}).constructor, 'GeneratorFunction'],
      [Object.getPrototypeOf(async function* () {}).constructor, 'AsyncGeneratorFunction'],
    ];
    for (const [ctor, name] of variants) {
      const proxy = this.proxyConstructor(ctor, name === 'Function' ? 'Function' : `${name}`);
      const proto = ctor.prototype as object;
      Object.defineProperty(proto, 'constructor', {
        ...Object.getOwnPropertyDescriptor(proto, 'constructor'),
        value: proxy,
      });
      this.agent.hooks.patches.push({
        target: proto,
        key: 'constructor',
        label: `${name}.prototype.constructor`,
        wrapper: proxy,
        original: ctor,
      });
      if (name === 'Function') {
        Object.defineProperty(g, 'Function', { ...Object.getOwnPropertyDescriptor(g, 'Function'), value: proxy });
        this.agent.hooks.patches.push({
          target: g,
          key: 'Function',
          label: 'globalThis.Function',
          wrapper: proxy,
          original: ctor,
        });
      }
    }
  }

  installVm(vm: typeof vmT): void {
    const self = this;
    for (const fn of ['runInThisContext', 'runInNewContext', 'runInContext', 'compileFunction'] as const) {
      this.agent.hooks.patch(
        vm,
        fn,
        `vm.${fn}`,
        (original) =>
          function (this: unknown, ...a: unknown[]) {
            if (typeof a[0] === 'string') {
              const err = self.check(`vm.${fn}`, a[0]);
              if (err) throw err;
            }
            return original.apply(this, a);
          },
      );
    }
    const Script = vm.Script;
    const proxy: typeof vmT.Script = new Proxy(Script, {
      construct(target, args: unknown[], newTarget): object {
        if (typeof args[0] === 'string') {
          const err = self.check('vm.Script', args[0]);
          if (err) throw err;
        }
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
    });
    Object.defineProperty(vm, 'Script', { ...Object.getOwnPropertyDescriptor(vm, 'Script'), value: proxy });
    this.agent.hooks.patches.push({ target: vm, key: 'Script', label: 'vm.Script', wrapper: proxy, original: Script });
  }

  /** Node rejects string callbacks, but an attempt still says code was built from data. */
  installTimers(g: typeof globalThis, timers: typeof import('node:timers')): void {
    const self = this;
    for (const fn of ['setTimeout', 'setInterval', 'setImmediate'] as const) {
      const original = g[fn] as unknown as AnyFn;
      if (typeof original !== 'function') continue;
      let wrapper: AnyFn | undefined;
      this.agent.hooks.patch(g, fn, `globalThis.${fn}`, () => {
        wrapper = function (this: unknown, ...a: unknown[]) {
          if (typeof a[0] === 'string') self.check(fn, a[0]);
          return original.apply(this, a);
        };
        return wrapper;
      });
      const installed = (g as unknown as Record<string, unknown>)[fn];
      if ((timers as unknown as Record<string, unknown>)[fn] === original) {
        Object.defineProperty(timers, fn, { ...Object.getOwnPropertyDescriptor(timers, fn), value: installed });
      }
    }
  }
}

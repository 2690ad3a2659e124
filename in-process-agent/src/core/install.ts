/**
 * Which hooks go in when. At preload only what is cheap: fs (already loaded by Node), Function/timers, the
 * env Proxy, process.binding and the module loader. Builtins that cost milliseconds to load (child_process,
 * net, http, https, vm, diagnostics_channel) are hooked the moment they are first required, or all at once by
 * `installAll()` — which the shim calls before it loads the user's code, so ESM importers (whose builtin loads
 * the CJS loader never sees) find them hooked too. Every later patch is followed by syncBuiltinESMExports().
 */
import type * as cpT from 'node:child_process';
import type * as fsT from 'node:fs';
import type * as httpT from 'node:http';
import type * as moduleT from 'node:module';
import type * as netT from 'node:net';
import type * as timersT from 'node:timers';
import type * as vmT from 'node:vm';
import { installChildProcessHooks } from '../hooks/child-process';
import { CodeHooks } from '../hooks/code';
import { installEnvHook } from '../hooks/env';
import { FsHooks } from '../hooks/fs';
import { installBindingHooks, installKillHook } from '../hooks/integrity';
import { ModuleHooks } from '../hooks/modules';
import { NetworkHooks } from '../hooks/network';
import type { Agent } from './agent';

export const LAZY_BUILTINS = [
  'dns',
  'dns/promises',
  'child_process',
  'net',
  'tls',
  'http',
  'https',
  'vm',
  'diagnostics_channel',
  'fs/promises',
] as const;

/** The CJS Module class without `require('module')` (which loads the ESM loader at preload). */
const CjsModule = (typeof module === 'object' ? module.constructor : undefined) as unknown as Parameters<
  ModuleHooks['install']
>[0];

export class Installer {
  private readonly done = new Set<string>();
  private readonly code: CodeHooks;
  private readonly network: NetworkHooks;
  private readonly fsHooks: FsHooks;
  private moduleHooks: ModuleHooks | undefined;

  constructor(private readonly agent: Agent) {
    this.code = new CodeHooks(agent);
    this.network = new NetworkHooks(agent);
    this.fsHooks = new FsHooks(agent);
  }

  /** The cheap part, at preload. */
  installEager(): void {
    this.step('fs', () => this.fsHooks.install(require('node:fs') as typeof fsT));
    this.step('Function', () => this.code.installFunction(globalThis));
    this.step('timers', () => this.code.installTimers(globalThis, require('node:timers') as typeof timersT));
    this.step('fetch', () => this.network.installFetch(globalThis));
    this.step('binding', () => installBindingHooks(this.agent));
    this.step('kill', () =>
      installKillHook(this.agent, (p) => (require('node:fs') as typeof fsT).readFileSync(p, 'latin1')),
    );
    this.step('modules', () => {
      this.moduleHooks = new ModuleHooks(this.agent, (name) => this.installBuiltin(name));
      this.moduleHooks.install(CjsModule);
    });
    this.step('env', () => installEnvHook(this.agent));
    // No syncBuiltinESMExports here: no ES module has imported a builtin yet, and later facades copy the patched
    // exports when they are created.
  }

  /** Hooks one lazily loaded builtin (no-op when it is not one of ours or already hooked). */
  installBuiltin(name: string): void {
    if (this.done.has(name) || !(LAZY_BUILTINS as readonly string[]).includes(name)) return;
    this.done.add(name);
    this.agent.guard++;
    try {
      switch (name) {
        case 'child_process':
          this.step(name, () => installChildProcessHooks(this.agent, require('node:child_process') as typeof cpT));
          break;
        case 'net':
        case 'tls': // TLSSocket inherits net.Socket.prototype.connect
          this.installBuiltin(name === 'tls' ? 'net' : '');
          if (name === 'net') this.step(name, () => this.network.installNet(require('node:net') as typeof netT));
          break;
        case 'http':
        case 'https':
          this.installBuiltin('net');
          this.step(name, () => this.network.installHttp(require(`node:${name}`) as typeof httpT, name));
          break;
        case 'vm':
          this.step(name, () => this.code.installVm(require('node:vm') as typeof vmT));
          break;
        case 'dns':
        case 'dns/promises':
          if (name === 'dns/promises') this.installBuiltin('dns');
          else this.step(name, () => this.network.installDns(require('node:dns') as typeof import('node:dns')));
          break;
        case 'fs/promises':
          this.step(name, () => this.fsHooks.installPromises(require('node:fs') as typeof fsT));
          break;
        case 'diagnostics_channel':
          this.step(name, () => this.network.subscribeUndici(require('node:diagnostics_channel')));
          break;
      }
      this.sync();
    } finally {
      this.agent.guard--;
    }
  }

  installAll(): void {
    for (const name of LAZY_BUILTINS) this.installBuiltin(name);
    // Before user code loads: ES module loads go through the module-load policy where Node supports it.
    this.step('esm-hooks', () =>
      this.moduleHooks?.installEsmHook(
        require('node:module') as unknown as Parameters<ModuleHooks['installEsmHook']>[0],
      ),
    );
  }

  private sync(): void {
    this.step('syncBuiltinESMExports', () => (require('node:module') as typeof moduleT).syncBuiltinESMExports());
  }

  private step(name: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.agent.internalError(e, `install:${name}`);
    }
  }
}

// Restoring original functions: re-requiring builtins, Module._load games, require.cache deletion, lower-level
// classes, overwriting hooked functions, Function.prototype.toString spoofing.

const Module = require('node:module');
const { attempt, marker, which } = require('./lib');

module.exports = {
  // Drop every cached module and load child_process again through every loader entry point, then spawn.
  'require-cache-reload': () => {
    for (const k of Object.keys(require.cache)) delete require.cache[k];
    const loaders = {
      require: () => require('child_process'),
      nodePrefix: () => require('node:child_process'),
      moduleLoad: () => Module._load('child_process', module, false),
      createRequire: () => Module.createRequire(__filename)('node:child_process'),
      builtinModule: () => process.getBuiltinModule?.('child_process') ?? require('child_process'),
    };
    const sameObject = {};
    let cp;
    for (const [k, load] of Object.entries(loaders)) {
      const m = load();
      sameObject[k] = cp === undefined || m === cp;
      cp = cp ?? m;
    }
    return {
      sameObject,
      spawn: attempt(() => String(cp.execFileSync(which('touch'), [marker('require-cache-reload')]))),
    };
  },

  // Replace Module._load to hand out a private copy of child_process, then spawn through it.
  'module-load-swap': () => {
    const original = Module._load;
    Module._load = function (request, parent, isMain) {
      return original.call(this, request, parent, isMain);
    };
    const cp = require('child_process');
    return { spawn: attempt(() => String(cp.execFileSync(which('touch'), [marker('module-load-swap')]))) };
  },

  // Bypass the module functions: the ChildProcess class does the real spawn (child_process.spawn calls it).
  'childprocess-class': async () => {
    const { ChildProcess } = require('child_process');
    return new Promise((resolve) => {
      const child = new ChildProcess();
      const file = which('touch');
      const r = attempt(() =>
        child.spawn({
          file,
          args: [file, marker('childprocess-class')],
          envPairs: [],
          stdio: ['ignore', 'ignore', 'ignore'],
        }),
      );
      if (!r.ok) return resolve({ spawn: r });
      child.on('exit', (code) => resolve({ spawn: r, code }));
      child.on('error', (e) => resolve({ spawn: r, error: e.message }));
    });
  },

  // Overwrite hooked functions with the attacker's own (to hide its own calls, or to intercept other code).
  'hook-overwrite': () => {
    const cp = require('child_process');
    const fs = require('fs');
    const savedExec = cp.exec;
    cp.exec = function exec(...a) {
      return savedExec.apply(this, a);
    };
    const savedRead = fs.readFileSync;
    fs.readFileSync = function readFileSync(...a) {
      return savedRead.apply(this, a);
    };
    return { replaced: cp.exec !== savedExec && fs.readFileSync !== savedRead };
  },

  // Spoof Function.prototype.toString so that replaced functions look native, and fingerprint the hooks.
  'tostring-spoof': () => {
    const fs = require('fs');
    const hookSource = Function.prototype.toString.call(fs.readFileSync);
    const realToString = Function.prototype.toString;
    const mine = function readFileSync(...a) {
      return Reflect.apply(savedRead, this, a);
    };
    const savedRead = fs.readFileSync;
    // A method keeps the name `toString` (what a careful attacker copies) without a named function expression.
    Function.prototype.toString = {
      toString() {
        if (this === mine) return 'function readFileSync() { [native code] }';
        return realToString.call(this);
      },
    }.toString;
    fs.readFileSync = mine;
    return { hookLooksNative: hookSource.includes('[native code]'), spoofed: String(fs.readFileSync) };
  },

  // Presence checks an attacker makes before acting (to stay dormant where a guard is watching).
  fingerprint: () => {
    const fs = require('fs');
    return {
      globalSymbol: Object.getOwnPropertySymbols(globalThis).some((s) => String(s).includes('sentinel')),
      envMarker: Object.keys(process.env).some((k) => k.startsWith('SENTINEL_')),
      nodeOptions: String(process.env.NODE_OPTIONS || '').includes('sentinel'),
      hookSourceVisible: !Function.prototype.toString.call(fs.readFileSync).includes('[native code]'),
      extensionsDir: attempt(() => fs.readdirSync(`${process.env.SANDBOX_OPT_DIR || '/opt'}/extensions`)).value,
    };
  },
};

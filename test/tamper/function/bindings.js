// The raw natives under the hooks: process.binding, internal bindings, and the agent's own published API.

const { attempt, marker, rawSpawnOptions, tmp, which } = require('./lib');

module.exports = {
  // process.binding('spawn_sync') starts a process without going through child_process.
  'binding-spawn-sync': () => {
    const r = attempt(() => {
      const b = process.binding('spawn_sync');
      return b.spawn(rawSpawnOptions(which('touch'), [marker('binding-spawn-sync')])).status;
    });
    return { spawn: r };
  },

  // process.binding('fs') reads the process environment file without the fs hooks; the effect copies it out.
  'binding-fs-read': () => {
    const r = attempt(() => {
      const b = process.binding('fs');
      const text = b.readFileUtf8('/proc/self/environ', 0);
      require('fs').writeFileSync(marker('binding-fs-read'), String(text.length));
      return text.length;
    });
    return { read: r };
  },

  // Node's internalBinding (holds every raw native) from user code: not reachable without --expose-internals.
  'internal-binding': () => ({
    exposeFlag: attempt(() => require('v8').setFlagsFromString('--expose-internals')),
    internalModule: attempt(() => typeof require('internal/test/binding').internalBinding),
    linked: attempt(() => typeof process._linkedBinding('spawn_sync')),
    spawned: require('fs').existsSync(marker('internal-binding')),
  }),

  // A native addon copied to /tmp and loaded with process.dlopen directly (no require, so no Module._load).
  'dlopen-addon': () => {
    const fs = require('node:fs');
    const path = require('node:path');
    // Any prebuilt addon of this platform will do: the repository has @parcel/watcher's for linux-x64.
    const src = path.join(
      __dirname,
      '..',
      '..',
      '..',
      'node_modules',
      '@parcel',
      'watcher-linux-x64-glibc',
      'watcher.node',
    );
    const dst = path.join(tmp(), 'tamper-addon.node');
    const copy = attempt(() => fs.copyFileSync(src, dst));
    const m = { exports: {} };
    const load = attempt(() => {
      process.dlopen(m, dst);
      return Object.keys(m.exports).length;
    });
    if (load.ok) fs.writeFileSync(marker('dlopen-addon'), String(load.value));
    return { copy, load };
  },

  // The agent publishes its API on a global symbol for the shim; user code finds it and switches the agent off.
  'agent-api': () => {
    const key = Object.getOwnPropertySymbols(globalThis).find((s) => String(s) === 'Symbol(sentinel.agent)');
    const api = key ? globalThis[key] : undefined;
    const agent = api?.agent;
    const r = attempt(() => {
      if (agent && typeof agent.guard === 'number') agent.guard++;
      try {
        return String(require('child_process').execFileSync(which('touch'), [marker('agent-api')]));
      } finally {
        if (agent && typeof agent.guard === 'number') agent.guard--;
      }
    });
    return { apiFound: Boolean(api), agentReachable: Boolean(agent), spawn: r };
  },
};

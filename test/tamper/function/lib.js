// Helpers shared by the tamper cases (user code written to get around Sentinel). Every attack has an effect that
// the suite can check from outside: a marker file `tamper-<case>` in the environment's /tmp.

const fs = require('node:fs');
const path = require('node:path');

const tmp = () => process.env.TMPDIR || '/tmp';
const marker = (id) => path.join(tmp(), `tamper-${id}`);

/** Runs `fn` and reports what happened instead of throwing (block mode makes operations throw). */
function attempt(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: `${e.name}: ${e.message}`, code: e.code };
  }
}

async function attemptAsync(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: `${e.name}: ${e.message}`, code: e.code };
  }
}

/** The spawn_sync binding's option shape (what child_process.spawnSync hands to the native side). */
function rawSpawnOptions(file, args) {
  return {
    file,
    args: [file, ...args],
    envPairs: [`PATH=${process.env.PATH}`],
    stdio: [
      { type: 'pipe', readable: true, writable: false },
      { type: 'pipe', readable: false, writable: true },
      { type: 'pipe', readable: false, writable: true },
    ],
  };
}

/** Absolute path of a program on PATH (raw spawns do no PATH lookup). */
function which(name) {
  for (const dir of (process.env.PATH || '/usr/bin:/bin').split(':')) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return `/usr/bin/${name}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { attempt, attemptAsync, marker, rawSpawnOptions, sleep, tmp, which };

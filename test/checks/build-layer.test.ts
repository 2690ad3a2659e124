/**
 * build.mjs lays out the layer tree from scratch every time: files an earlier build (or anyone) left in the layer
 * dir and that the build no longer produces are removed, so they reach neither the manifest nor the zip.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');
const build = (out: string) =>
  execFileSync(process.execPath, [join(REPO, 'scripts', 'build', 'build.mjs'), '--only', 'layer', '--out', out], {
    encoding: 'utf8',
  });

describe('build.mjs layer tree', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'sentinel-build-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('removes files and directories it no longer produces, keeps what it builds, leaves no staging dir', () => {
    build(out);
    const layer = join(out, 'layer');
    const manifest = () => JSON.parse(readFileSync(join(layer, 'sentinel', 'manifest.json'), 'utf8')).files;
    const first = manifest();
    expect(Object.keys(first)).toEqual(
      expect.arrayContaining(['extensions/sentinel', 'sentinel-wrapper', 'sentinel/agent.cjs']),
    );

    writeFileSync(join(layer, 'sentinel', 'old-bundle.cjs'), 'stale');
    mkdirSync(join(layer, 'retired', 'deep'), { recursive: true });
    writeFileSync(join(layer, 'retired', 'deep', 'x.js'), 'stale');
    build(out);

    expect(existsSync(join(layer, 'sentinel', 'old-bundle.cjs'))).toBe(false);
    expect(existsSync(join(layer, 'retired'))).toBe(false);
    expect(manifest()).toEqual(first);
    expect(statSync(join(layer, 'extensions', 'sentinel')).mode & 0o777).toBe(0o755);
    expect(readdirSync(out).filter((n) => n.startsWith('.layer-stage-'))).toEqual([]);
  }, 60_000);
});

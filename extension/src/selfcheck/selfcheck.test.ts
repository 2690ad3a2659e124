import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { preloadsOf, tokenizeNodeOptions } from './node-options';
import { runSelfCheck } from './selfcheck';

describe('NODE_OPTIONS parsing', () => {
  it('finds preloads in both flag forms and honours quotes', () => {
    expect(tokenizeNodeOptions('--max-old-space-size=100  -r "/opt/a b.js"')).toEqual([
      '--max-old-space-size=100',
      '-r',
      '/opt/a b.js',
    ]);
    expect(preloadsOf('--require /opt/sentinel/agent.cjs --import=/tmp/x.mjs --enable-source-maps')).toEqual([
      { flag: '--require', module: '/opt/sentinel/agent.cjs' },
      { flag: '--import', module: '/tmp/x.mjs' },
    ]);
  });
});

describe('cold-start self-check', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sentinel-sc-'));
    mkdirSync(path.join(root, 'extensions'));
    mkdirSync(path.join(root, 'sentinel'));
    writeFileSync(path.join(root, 'extensions', 'sentinel'), '#!/bin/sh\n');
    writeFileSync(path.join(root, 'sentinel-wrapper'), '#!/bin/sh\n');
    writeFileSync(path.join(root, 'sentinel', 'extension.cjs'), 'x');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reports nothing for our own wrapper and preload, and hashes our files', async () => {
    const r = await runSelfCheck({
      layerRoot: root,
      extensionName: 'sentinel',
      execWrapper: '/opt/sentinel-wrapper',
      nodeOptions: `--require ${root}/sentinel/agent.cjs`,
    });
    expect(r.findings).toEqual([]);
    expect(r.wrapperIsOurs).toBe(true);
    expect(r.preloadIsOurs).toBe(true);
    expect(r.record).toMatchObject({ extensions: ['sentinel'], filesHashed: 3, manifest: 'absent' });
    expect(r.record.layerHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports an unexpected extension, a foreign wrapper and a foreign preload', async () => {
    writeFileSync(path.join(root, 'extensions', 'zz-intruder'), '#!/bin/sh\n');
    mkdirSync(path.join(root, 'extensions', 'subdir')); // directories are not extensions
    const r = await runSelfCheck({
      layerRoot: root,
      extensionName: 'sentinel',
      execWrapper: '/tmp/sentinel-wrapper',
      nodeOptions: '-r /tmp/evil.js',
    });
    expect(r.findings.map((f) => [f.category, f.kind])).toEqual([
      ['configuration', 'unexpected_extension'],
      ['configuration', 'foreign_wrapper'],
      ['configuration', 'foreign_preload'],
    ]);
    expect(r.findings.every((f) => f.source === 'extension')).toBe(true);
    expect(r.wrapperIsOurs).toBe(false);
  });

  it('compares with the build manifest and reports modified files', async () => {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const files = {
      'extensions/sentinel': sha('#!/bin/sh\n'),
      'sentinel-wrapper': sha('#!/bin/sh\n'),
      'sentinel/extension.cjs': sha('x'),
    };
    writeFileSync(
      path.join(root, 'sentinel', 'manifest.json'),
      JSON.stringify({ version: 1, algorithm: 'sha256', files }),
    );
    expect((await runSelfCheck({ layerRoot: root, extensionName: 'sentinel' })).record.manifest).toBe('match');
    writeFileSync(path.join(root, 'sentinel', 'extension.cjs'), 'tampered');
    const r = await runSelfCheck({ layerRoot: root, extensionName: 'sentinel' });
    expect(r.record.manifest).toBe('mismatch');
    expect(r.findings).toEqual([
      expect.objectContaining({
        category: 'integrity',
        kind: 'layer_modified',
        details: expect.objectContaining({ modified: 'sentinel/extension.cjs' }),
      }),
    ]);
    // With the posture check running, the manifest finding is posture's (no duplicate).
    const quiet = await runSelfCheck({ layerRoot: root, extensionName: 'sentinel', reportLayerModified: false });
    expect(quiet.record.manifest).toBe('mismatch');
    expect(quiet.findings).toEqual([]);
  });
});

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseManifest, verifyManifest } from './manifest';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('verifyManifest', () => {
  let root: string;
  const write = (rel: string, content: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  };
  const manifest = (files: Record<string, string>) =>
    write('sentinel/manifest.json', JSON.stringify({ version: 1, algorithm: 'sha256', files }));

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'posture-manifest-'));
    write('extensions/sentinel', '#!/bin/sh\n');
    write('sentinel/extension.cjs', 'bundle');
    write('sentinel-wrapper', '#!/bin/sh\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('ok when every listed file matches; other layers’ files in /opt are not counted', async () => {
    manifest({
      'extensions/sentinel': sha('#!/bin/sh\n'),
      'sentinel-wrapper': sha('#!/bin/sh\n'),
      'sentinel/extension.cjs': sha('bundle'),
    });
    write('nodejs/node_modules/x/index.js', 'another layer');
    const m = await verifyManifest(root, 'sentinel');
    expect(m).toMatchObject({ state: 'ok', files: 3, modified: [], missing: 0, unlisted: 0 });
  });

  it('names modified and missing files with short old/new hashes; counts unlisted files in sentinel/', async () => {
    manifest({
      'extensions/sentinel': sha('#!/bin/sh\n'),
      'sentinel-wrapper': sha('#!/bin/sh\n'),
      'sentinel/extension.cjs': sha('bundle'),
      'sentinel/agent.cjs': sha('agent'),
    });
    write('sentinel/extension.cjs', 'tampered');
    write('sentinel/dropped.js', 'extra');
    const m = await verifyManifest(root, 'sentinel');
    expect(m.state).toBe('mismatch');
    expect(m.modified).toEqual([
      { path: 'sentinel/extension.cjs', old: sha('bundle').slice(0, 12), new: sha('tampered').slice(0, 12) },
      { path: 'sentinel/agent.cjs', old: sha('agent').slice(0, 12), new: 'missing' },
    ]);
    expect(m).toMatchObject({ missing: 1, unlisted: 1 });
  });

  it.each([
    ['not JSON', '{"version":1,'],
    ['version is not 1', '{"version":2,"algorithm":"sha256","files":{"a":"' + 'a'.repeat(64) + '"}}'],
    ['algorithm is not sha256', '{"version":1,"algorithm":"md5","files":{"a":"' + 'a'.repeat(64) + '"}}'],
    ['files is not an object', '{"version":1,"algorithm":"sha256","files":[]}'],
    ['files is empty', '{"version":1,"algorithm":"sha256","files":{}}'],
    ['a hash is not 64 hex', '{"version":1,"algorithm":"sha256","files":{"a":"zz"}}'],
    [
      'a path is not a plain relative path',
      '{"version":1,"algorithm":"sha256","files":{"../etc/passwd":"' + 'a'.repeat(64) + '"}}',
    ],
    [
      'a path is not a plain relative path',
      '{"version":1,"algorithm":"sha256","files":{"/etc/passwd":"' + 'a'.repeat(64) + '"}}',
    ],
  ])('malformed: %s', async (reason, text) => {
    write('sentinel/manifest.json', text);
    expect(await verifyManifest(root, 'sentinel')).toMatchObject({ state: 'malformed', reason });
  });

  it('absent manifest', async () => {
    expect(await verifyManifest(root, 'sentinel')).toMatchObject({ state: 'absent' });
  });

  it('parseManifest never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (t) => {
        const r = parseManifest(t);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});

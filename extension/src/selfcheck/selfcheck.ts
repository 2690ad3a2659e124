/**
 * Cold-start self-check: what does this environment look like, and is anything attached that is not ours?
 * Records the extensions present, NODE_OPTIONS, AWS_LAMBDA_EXEC_WRAPPER and a content hash of Sentinel's own layer
 * files (compared with the build's manifest when present), as one `evt: 'selfcheck'` record; reports
 * unexpected extensions, a foreign wrapper or preload (`configuration`) and modified layer files (`integrity`).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Finding } from '../../../protocol/finding';
import { extensionFinding } from '../findings/extension-finding';
import { preloadsOf } from './node-options';

export interface SelfCheckInput {
  /** The directory that plays `/opt` (parent of `sentinel/` and `extensions/`). */
  layerRoot: string;
  extensionName: string;
  /** NODE_OPTIONS as configured for the function (the launcher strips it from our own process). */
  nodeOptions?: string;
  execWrapper?: string;
  /** Report modified layer files as a finding (false when the posture check, which verifies the whole manifest, runs). */
  reportLayerModified?: boolean;
}

export interface SelfCheckResult {
  record: Record<string, unknown>;
  findings: Finding[];
  wrapperIsOurs: boolean;
  preloadIsOurs: boolean;
}

const MAX_LISTED = 32;
const OPT = '/opt';

function isInside(p: string, dir: string): boolean {
  const rel = path.relative(dir, path.resolve(p));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function isOurWrapper(wrapper: string, layerRoot: string): boolean {
  const p = path.resolve(wrapper);
  return p === path.join(layerRoot, 'sentinel-wrapper') || p === path.join(OPT, 'sentinel-wrapper');
}

export function isOurPreload(module: string, layerRoot: string): boolean {
  return isInside(module, path.join(layerRoot, 'sentinel')) || isInside(module, path.join(OPT, 'sentinel'));
}

/** sha256 of every Sentinel file in the layer (`extensions/<name>`, `sentinel-wrapper`, `sentinel/**`). */
async function hashLayer(layerRoot: string, extensionName: string): Promise<Record<string, string>> {
  const files: string[] = [`extensions/${extensionName}`, 'sentinel-wrapper'];
  const walk = async (rel: string): Promise<void> => {
    for (const d of await readdir(path.join(layerRoot, rel), { withFileTypes: true })) {
      const r = `${rel}/${d.name}`;
      if (d.isDirectory()) await walk(r);
      else if (r !== 'sentinel/manifest.json') files.push(r);
    }
  };
  await walk('sentinel').catch(() => undefined);
  const out: Record<string, string> = {};
  for (const f of files.sort()) {
    try {
      out[f] = createHash('sha256')
        .update(await readFile(path.join(layerRoot, f)))
        .digest('hex');
    } catch {
      // absent (e.g. no wrapper in a test layer)
    }
  }
  return out;
}

async function readManifest(layerRoot: string): Promise<Record<string, string> | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(layerRoot, 'sentinel', 'manifest.json'), 'utf8')) as {
      files?: Record<string, string>;
    };
    return m && typeof m.files === 'object' ? m.files : undefined;
  } catch {
    return undefined;
  }
}

export async function runSelfCheck(input: SelfCheckInput): Promise<SelfCheckResult> {
  const findings: Finding[] = [];
  const extDir = path.join(input.layerRoot, 'extensions');
  let extensions: string[] = [];
  try {
    extensions = (await readdir(extDir, { withFileTypes: true }))
      .filter((d) => !d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    // no extensions dir: nothing to compare
  }
  const unexpected = extensions.filter((n) => n !== input.extensionName);
  for (const name of unexpected.slice(0, MAX_LISTED))
    findings.push(
      extensionFinding({
        category: 'configuration',
        kind: 'unexpected_extension',
        severity: 'medium',
        confidence: 'medium',
        title: `Another extension is present in the extensions directory: ${name}`,
        phase: 'init',
        details: { extension: name.slice(0, 100) },
      }),
    );

  const wrapper = input.execWrapper || undefined;
  const wrapperIsOurs = wrapper !== undefined && isOurWrapper(wrapper, input.layerRoot);
  if (wrapper && !wrapperIsOurs)
    findings.push(
      extensionFinding({
        category: 'configuration',
        kind: 'foreign_wrapper',
        severity: 'medium',
        confidence: 'medium',
        title: 'AWS_LAMBDA_EXEC_WRAPPER points at a wrapper that is not Sentinel’s',
        phase: 'init',
        details: { wrapper: wrapper.slice(0, 200) },
      }),
    );

  const preloads = preloadsOf(input.nodeOptions);
  const preloadIsOurs = preloads.some((p) => isOurPreload(p.module, input.layerRoot));
  for (const p of preloads.filter((x) => !isOurPreload(x.module, input.layerRoot)).slice(0, MAX_LISTED))
    findings.push(
      extensionFinding({
        category: 'configuration',
        kind: 'foreign_preload',
        severity: 'medium',
        confidence: 'medium',
        title: `NODE_OPTIONS preloads a module that is not Sentinel’s (${p.flag})`,
        phase: 'init',
        details: { flag: p.flag, module: p.module.slice(0, 200) },
      }),
    );

  const hashes = await hashLayer(input.layerRoot, input.extensionName);
  const layerHash = createHash('sha256')
    .update(
      Object.entries(hashes)
        .map(([f, h]) => `${f}\0${h}\n`)
        .join(''),
    )
    .digest('hex');
  const manifest = await readManifest(input.layerRoot);
  let manifestState: 'absent' | 'match' | 'mismatch' = 'absent';
  let unlisted: string[] = [];
  if (manifest) {
    const modified = Object.entries(manifest)
      .filter(
        ([f, h]) =>
          (f.startsWith('sentinel/') || f === 'sentinel-wrapper' || f.startsWith('extensions/sentinel')) &&
          hashes[f] !== undefined &&
          hashes[f] !== h,
      )
      .map(([f]) => f);
    unlisted = Object.keys(hashes).filter((f) => manifest[f] === undefined);
    // Files the manifest does not list are recorded but not alarming on their own: nothing loads them by itself.
    manifestState = modified.length === 0 ? 'match' : 'mismatch';
    if (manifestState === 'mismatch' && input.reportLayerModified !== false)
      findings.push(
        extensionFinding({
          category: 'integrity',
          kind: 'layer_modified',
          severity: 'high',
          title: 'Sentinel’s layer files differ from the build manifest',
          phase: 'init',
          details: { modified: modified.slice(0, 8).join(',') },
        }),
      );
  }

  return {
    record: {
      extensions: extensions.slice(0, MAX_LISTED),
      unexpectedExtensions: unexpected.slice(0, MAX_LISTED),
      nodeOptions: input.nodeOptions?.slice(0, 1024) ?? null,
      preloads: preloads.slice(0, MAX_LISTED),
      execWrapper: wrapper ?? null,
      wrapperIsOurs,
      preloadIsOurs,
      layerHash,
      filesHashed: Object.keys(hashes).length,
      manifest: manifestState,
      unlistedFiles: unlisted.slice(0, MAX_LISTED),
    },
    findings,
    wrapperIsOurs,
    preloadIsOurs,
  };
}

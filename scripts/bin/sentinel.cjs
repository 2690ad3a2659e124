#!/usr/bin/env node
// `npx sentinel …` entry point. Builds the CLI bundle on first use (esbuild, well under a second),
// then runs it, so a fresh clone needs only `npm ci`.
'use strict';
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..', '..');
const bundle = join(root, 'build', 'cli', 'sentinel.cjs');
if (!existsSync(bundle) || process.env.SENTINEL_CLI_REBUILD === '1') {
  execFileSync(process.execPath, [join(root, 'scripts', 'build', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
void statSync(bundle);
require(bundle);

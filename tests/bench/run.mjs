#!/usr/bin/env node
// `npm run bench`: runs every benchmark script in this folder (each prints its own table and
// writes tests/bench/results/<name>.json), then prints where the JSON went. Pass --quick for short
// runs, or benchmark names to run only those: `npm run bench -- storage vector`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const only = args.filter((a) => !a.startsWith('--'));
const scripts = fs.readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').sort()
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.mjs$/, '')));

if (!fs.existsSync(path.join(ROOT, 'build', 'site', 'index.html'))) {
  spawnSync(process.execPath, [path.join(ROOT, 'demo', 'build.mjs')], { stdio: 'inherit' });
}
const failed = [];
for (const s of scripts) {
  console.log(`\n##### ${s}`);
  const r = spawnSync(process.execPath, [path.join(here, s), ...flags], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) failed.push(s);
}
console.log(`\nresults: ${path.relative(ROOT, path.join(here, 'results'))}/*.json`);
if (failed.length) {
  console.log(`failed: ${failed.join(', ')}`);
  process.exit(1);
}

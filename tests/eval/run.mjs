#!/usr/bin/env node
// `npm run eval`: retrieval quality evaluations (SciFact). Each prints a table and writes JSON to
// tests/eval/results/. Flags are passed through (e.g. `npm run eval -- --train`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const r = spawnSync(process.execPath, [path.join(here, 'scifact.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);

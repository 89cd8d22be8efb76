#!/usr/bin/env node
// Builds the static demo site into build/site: the page, the sample corpus, and the package's
// dist/ (client, worker, wasm, UI). The folder works on any static host: no server logic, no
// COOP/COEP headers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SITE = path.join(ROOT, 'build', 'site');

function copyDir(from, to, filter = () => true) {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyDir(a, b, filter);
    else if (filter(a)) fs.copyFileSync(a, b);
  }
}

if (!fs.existsSync(path.join(ROOT, 'dist', 'wasm', 'kspace.wasm'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
fs.rmSync(SITE, { recursive: true, force: true });
fs.mkdirSync(SITE, { recursive: true });
fs.copyFileSync(path.join(ROOT, 'demo', 'index.html'), path.join(SITE, 'index.html'));
copyDir(path.join(ROOT, 'demo'), path.join(SITE, 'demo'), (f) => !/(build|serve)\.mjs$|index\.html$/.test(f));
for (const sub of ['js', 'workers', 'wasm', 'web']) {
  const from = path.join(ROOT, 'dist', sub);
  if (fs.existsSync(from)) copyDir(from, path.join(SITE, 'dist', sub), (f) => !f.endsWith('.d.ts') && !f.endsWith('.map'));
}
// The sample corpus manifest lists the notes the first visit loads.
const sampleDir = path.join(ROOT, 'demo', 'sample');
const files = fs.readdirSync(sampleDir).filter((f) => f.endsWith('.md')).sort();
const titleOf = (text, file) => (text.match(/^#\s+(.+)$/m)?.[1] ?? file.replace(/\.md$/, '')).trim();
fs.writeFileSync(path.join(SITE, 'demo', 'sample', 'index.json'), JSON.stringify({
  title: 'Sample space',
  description: 'A few linked notes to explore kspace with.',
  icon: '🧭',
  files: files.map((f) => ({ path: f, title: titleOf(fs.readFileSync(path.join(sampleDir, f), 'utf8'), f) })),
}, null, 2));
console.log(`[demo] site built in ${path.relative(ROOT, SITE)} (${files.length} sample notes)`);

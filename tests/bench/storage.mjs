#!/usr/bin/env node
// Storage benchmark (issue: foundation). Prints a table and writes tests/bench/results/storage.json.
//
//  - add-source throughput, 1 KB and 100 KB sources, one per transaction and batched (100 per
//    transaction), on a Node file store; side by side with PGlite (Postgres in wasm, file-backed)
//    inserting the same bytes the same two ways
//  - the same through Playwright on OPFS in headless Chromium
//  - open time of a store with 10k sources (engine open; and the whole openStore with worker start
//    and module instantiation), and the first query after it
//  - size of the wasm module and its JS glue, raw and gzip
// Targets: >= 20 MB/s committed in Node, open < 50 ms at 10k sources, module <= 1 MB gzip.
// `--quick` runs smaller counts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const QUICK = process.argv.includes('--quick');
const { openStore } = await import(path.join(ROOT, 'dist', 'js', 'node.js'));
const results = { name: 'storage', date: new Date().toISOString(), quick: QUICK, node: process.version, rows: [] };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kspace-bench-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function payload(size, seed) {
  // Text-like, incompressible enough, distinct per source (no dedup shortcut).
  const words = ['knowledge', 'space', 'vector', 'chunk', 'graph', 'memory', 'search', 'map', 'note', 'cluster'];
  let s = `${seed} `;
  let x = seed * 2654435761 >>> 0;
  while (s.length < size) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += words[x % words.length] + (x % 7 === 0 ? '.\n' : ' ');
  }
  return s.slice(0, size);
}

const configs = QUICK
  ? [{ size: 1024, single: 200, batched: 1000 }, { size: 100 * 1024, single: 50, batched: 200 }]
  : [{ size: 1024, single: 1000, batched: 10000 }, { size: 100 * 1024, single: 200, batched: 1000 }];
const BATCH = 100;

function row(engine, where, label, count, bytes, ms) {
  const r = { engine, where, case: label, sources: count, mb: bytes / 1e6, seconds: ms / 1000,
    sourcesPerSec: count / (ms / 1000), mbPerSec: bytes / 1e6 / (ms / 1000) };
  results.rows.push(r);
  return r;
}

// What one source is: `bytes` (binary content, stored and hashed but not parsed: the storage path
// that PGlite's row inserts are compared with) or `text` (stored, then chunked, embedded and
// indexed in the same call: see tests/bench/ingest.mjs for the processing pipeline itself).
function sourceInput(kind, title, size, seed) {
  if (kind === 'text') return { title, text: payload(size, seed), mediaType: 'text', origin: 'paste' };
  return { title, bytes: binaryPayload(size, seed), mediaType: 'image', origin: 'upload', mimeType: 'application/octet-stream' };
}

function binaryPayload(size, seed) {
  const b = new Uint8Array(size);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

async function kspaceNode() {
  for (const kind of ['bytes', 'text']) {
    for (const { size, single, batched } of configs) {
      const store = await openStore({ path: path.join(tmp, `k-${kind}-${size}.kspace`) });
      const space = await store.createSpace({ title: 'bench', storageQuotaBytes: 2 ** 40 });
      let t = performance.now();
      for (let i = 0; i < single; i++) await store.addSource(space.id, sourceInput(kind, `s${i}`, size, i));
      row('kspace', `node file, ${kind}`, `${size / 1024} KB, 1 per tx`, single, single * size, performance.now() - t);
      t = performance.now();
      for (let i = 0; i < batched; i += BATCH) {
        const batch = [];
        for (let j = i; j < Math.min(batched, i + BATCH); j++) batch.push(sourceInput(kind, `b${j}`, size, 1e6 + j));
        await store.addSources(space.id, batch);
      }
      row('kspace', `node file, ${kind}`, `${size / 1024} KB, ${BATCH} per tx`, batched, batched * size, performance.now() - t);
      await store.close();
    }
  }
}

async function pgliteNode() {
  const { PGlite } = await import('@electric-sql/pglite');
  for (const { size, single, batched } of configs) {
    const db = await PGlite.create(path.join(tmp, `pg-${size}`));
    await db.exec('CREATE TABLE sources (id serial PRIMARY KEY, title text NOT NULL, body bytea NOT NULL, sha text NOT NULL)');
    let t = performance.now();
    for (let i = 0; i < single; i++) {
      const body = binaryPayload(size, i);
      await db.query('INSERT INTO sources (title, body, sha) VALUES ($1, $2, $3)', [`s${i}`, body, 'x']);
    }
    row('pglite', 'node file, bytes', `${size / 1024} KB, 1 per tx`, single, single * size, performance.now() - t);
    t = performance.now();
    for (let i = 0; i < batched; i += BATCH) {
      await db.transaction(async (tx) => {
        for (let j = i; j < Math.min(batched, i + BATCH); j++) {
          await tx.query('INSERT INTO sources (title, body, sha) VALUES ($1, $2, $3)', [`b${j}`, binaryPayload(size, 1e6 + j), 'x']);
        }
      });
    }
    row('pglite', 'node file, bytes', `${size / 1024} KB, ${BATCH} per tx`, batched, batched * size, performance.now() - t);
    await db.close();
  }
}

async function openTimes() {
  const file = path.join(tmp, 'open-10k.kspace');
  const n = 10000;
  let store = await openStore({ path: file });
  const space = await store.createSpace({ title: 'open', storageQuotaBytes: 2 ** 40 });
  for (let i = 0; i < n; i += 500) {
    const batch = [];
    for (let j = i; j < i + 500; j++) batch.push({ title: `s${j}`, text: payload(1024, j), mediaType: 'text', origin: 'paste' });
    await store.addSources(space.id, batch);
  }
  await store.close();
  const engine = [];
  const total = [];
  const first = [];
  for (let k = 0; k < 7; k++) {
    const t0 = performance.now();
    store = await openStore({ path: file });
    total.push(performance.now() - t0);
    engine.push(store.info.openMs);
    const t1 = performance.now();
    await store.listSources(space.id, { limit: 100 });
    first.push(performance.now() - t1);
    await store.close();
  }
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  results.open = { sources: n, engineOpenMs: med(engine), openStoreMs: med(total), firstQueryMs: med(first) };
}

async function opfs() {
  const { launch, gotoBlank } = await import(path.join(ROOT, 'tests', 'helpers', 'browser.mjs'));
  const { serve } = await import(path.join(ROOT, 'demo', 'serve.mjs'));
  const site = path.join(ROOT, 'build', 'site');
  if (!fs.existsSync(path.join(site, 'index.html'))) {
    results.opfs = 'skipped: build/site missing (node wasm/build.mjs --demo)';
    return;
  }
  const { server, url } = await serve(site);
  const ctx = await launch();
  try {
    const page = await ctx.newPage();
    await gotoBlank(page, url);
    const cfg = configs.map((c) => ({ ...c, single: Math.ceil(c.single / 2), batched: Math.ceil(c.batched / 2) }));
    const rows = await page.evaluate(async ([cfg, BATCH, payloadSrc]) => {
      const binaryPayload = new Function(`return (${payloadSrc})`)();
      const input = (title, size, seed) => ({ title, bytes: binaryPayload(size, seed), mediaType: 'image', origin: 'upload', mimeType: 'application/octet-stream' });
      const { openStore } = await import('./dist/js/index.js');
      const out = [];
      for (const { size, single, batched } of cfg) {
        const store = await openStore({ name: `bench-${size}-${Date.now()}` });
        const space = await store.createSpace({ title: 'bench', storageQuotaBytes: 2 ** 40 });
        let t = performance.now();
        for (let i = 0; i < single; i++) await store.addSource(space.id, input(`s${i}`, size, i));
        out.push([`${size / 1024} KB, 1 per tx`, single, single * size, performance.now() - t]);
        t = performance.now();
        for (let i = 0; i < batched; i += BATCH) {
          const batch = [];
          for (let j = i; j < Math.min(batched, i + BATCH); j++) batch.push(input(`b${j}`, size, 1e6 + j));
          await store.addSources(space.id, batch);
        }
        out.push([`${size / 1024} KB, ${BATCH} per tx`, batched, batched * size, performance.now() - t]);
        await store.close();
      }
      return out;
    }, [cfg, BATCH, binaryPayload.toString()]);
    for (const [label, count, bytes, ms] of rows) row('kspace', 'chromium OPFS, bytes', label, count, bytes, ms);
  } finally {
    await ctx.close();
    server.close();
  }
}

function sizes() {
  const f = (p) => {
    const b = fs.readFileSync(path.join(ROOT, 'dist', 'wasm', p));
    return { raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length };
  };
  results.module = { wasm: f('kspace.wasm'), glue: f('kspace.js') };
}

await kspaceNode();
await pgliteNode();
await openTimes();
await opfs();
sizes();

// Ratios against the peer for the same case.
for (const r of results.rows.filter((x) => x.engine === 'kspace' && x.where === 'node file, bytes')) {
  const peer = results.rows.find((x) => x.engine === 'pglite' && x.case === r.case);
  if (peer) r.vsPglite = r.mbPerSec / peer.mbPerSec;
}

const pad = (s, n) => String(s).padEnd(n);
const num = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : '');
console.log('\nadd-source throughput');
console.log(`${pad('engine', 8)} ${pad('where', 20)} ${pad('case', 20)} ${pad('sources', 8)} ${pad('src/s', 9)} ${pad('MB/s', 8)} vs PGlite`);
for (const r of results.rows) {
  console.log(`${pad(r.engine, 8)} ${pad(r.where, 20)} ${pad(r.case, 20)} ${pad(r.sources, 8)} ${pad(num(r.sourcesPerSec, 0), 9)} ${pad(num(r.mbPerSec, 2), 8)} ${r.vsPglite ? `${num(r.vsPglite, 2)}x` : ''}`);
}
if (typeof results.opfs === 'string') console.log(`OPFS: ${results.opfs}`);
const o = results.open;
console.log(`\nopen a store with ${o.sources} sources: engine ${num(o.engineOpenMs, 1)} ms (target < 50), whole openStore incl. worker + wasm ${num(o.openStoreMs, 1)} ms, first query ${num(o.firstQueryMs, 1)} ms`);
const m = results.module;
console.log(`module: wasm ${(m.wasm.raw / 1024).toFixed(0)} KB raw / ${(m.wasm.gzip / 1024).toFixed(0)} KB gzip (target <= 1024 KB gzip); glue ${(m.glue.raw / 1024).toFixed(0)} KB / ${(m.glue.gzip / 1024).toFixed(0)} KB gzip`);
const best = Math.max(...results.rows.filter((r) => r.where === 'node file, bytes' && r.engine === 'kspace').map((r) => r.mbPerSec));
const bestText = Math.max(...results.rows.filter((r) => r.where === 'node file, text' && r.engine === 'kspace').map((r) => r.mbPerSec));
results.bestCommittedMbPerSec = best;
console.log(`best committed throughput in Node: ${num(best, 1)} MB/s stored (target >= 20); ${num(bestText, 1)} MB/s when text is also chunked, embedded and indexed`);

fs.mkdirSync(path.join(ROOT, 'tests', 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'tests', 'bench', 'results', 'storage.json'), JSON.stringify(results, null, 2));

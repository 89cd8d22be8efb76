#!/usr/bin/env node
// Map benchmark (knowledge-map issue). Prints a table, writes tests/bench/results/map.json.
//
//  - A full map of the Rust RFC corpus (../shared/data/rust-rfcs): ingest first (not timed), then
//    the time from the end of ingest to positioned, clustered, labelled nodes: one map.layout run
//    (concepts + communities, HDBSCAN with its condensed tree, UMAP 2D with kNN from the HNSW index,
//    overlap removal, registry rows), and the same with PCA + k-means (the fast path).
//  - Incremental placement of 100 new chunks with the saved UMAP model (map.place), five rounds
//    (first call and median): target < 50 ms.
// --quick: the first 200 RFCs (the full corpus is 648 files).
// UMAP vs umap-js and HDBSCAN timings live in tests/bench/layout.mjs (not repeated here).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RFCS = path.resolve(ROOT, '..', 'shared', 'data', 'rust-rfcs', 'text');
const QUICK = process.argv.includes('--quick');
const { openStore } = await import(path.join(ROOT, 'dist', 'js', 'node.js'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kspace-map-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const results = { name: 'map', date: new Date().toISOString(), quick: QUICK, rows: [] };

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.md') ? [path.join(dir, e.name)] : []);
}
let files = walk(RFCS).sort();
if (QUICK) files = files.slice(0, 200);
const docs = files.map((f) => ({ path: path.relative(RFCS, f), text: fs.readFileSync(f, 'utf8') }));
// Held back for the incremental step: paragraphs of RFCs not in the map.
const extra = walk(RFCS).sort().slice(QUICK ? 200 : 0).map((f) => fs.readFileSync(f, 'utf8'));

const store = await openStore({ path: path.join(tmp, 'rfcs.kspace') });
const space = await store.createSpace({ title: 'RFCs' });
let t = performance.now();
const ingest = await store.ingest(space.id, docs.map((d) => ({
  title: d.path.replace(/\.md$/, ''), text: d.text, mediaType: 'document', origin: 'vault', path: d.path, mimeType: 'text/markdown',
})));
results.corpus = { files: docs.length, chunks: ingest.chunks, ingestSeconds: (performance.now() - t) / 1000 };

function row(what, ms, detail) {
  results.rows.push({ what, ms: Math.round(ms * 10) / 10, ...detail });
}

// Full map: UMAP 2D + HDBSCAN + concepts.
t = performance.now();
const umap = await store.map.layout(space.id, { projection: 'umap', dims: 2, clusters: 'hdbscan' });
const umapMs = performance.now() - t;
const clusters = await store.map.nodes(space.id, { kind: 'cluster' });
row('full map: concepts + HDBSCAN + UMAP 2D (HNSW kNN)', umapMs, {
  chunks: umap.chunks, clusterNodes: umap.clusters.nodes, flatClusters: umap.clusters.flat, maxDepth: Math.max(...clusters.map((c) => c.depthLevel)),
  silhouette: umap.clusters.silhouette, trustworthiness: umap.projection.metrics.trustworthiness,
  continuity: umap.projection.metrics.continuity, communities: umap.concepts.communities,
  stageMs: { concepts: umap.concepts.ms, clusters: umap.clusters.ms, projection: umap.projection.ms, engine: umap.durationMs },
});
results.sampleLabels = clusters.filter((c) => c.depthLevel === 1).slice(0, 8).map((c) => `${c.title} (${c.size})`);

// Fast path: PCA + k-means, no concepts.
t = performance.now();
const fast = await store.map.layout(space.id, { projection: 'pca', clusters: 'kmeans', concepts: false });
row('fast map: k-means + PCA 2D (no concepts)', performance.now() - t, {
  chunks: fast.chunks, clusterNodes: fast.clusters.nodes, silhouette: fast.clusters.silhouette,
  trustworthiness: fast.projection.metrics.trustworthiness,
});

// 3D.
t = performance.now();
const u3 = await store.map.layout(space.id, { projection: 'umap', dims: 3, clusters: 'none', concepts: false });
row('UMAP 3D positions only', performance.now() - t, { trustworthiness: u3.projection.metrics.trustworthiness });

// Back to the UMAP 2D model, then 100 new chunks placed with it.
await store.map.layout(space.id, { projection: 'umap', dims: 2, clusters: 'hdbscan', concepts: false });
// Several rounds (ingest 100 paragraphs, then place them): the first call also pays for the wasm
// tier-up of the placement code; the median is what a user sees after each ingest.
const ROUNDS = 5;
const paragraphs = [];
for (const text of extra) {
  for (const p of text.split(/\n\s*\n/)) {
    if (p.length > 200 && p.length < 1200 && !p.startsWith('```')) paragraphs.push(p);
    if (paragraphs.length >= 100 * ROUNDS) break;
  }
  if (paragraphs.length >= 100 * ROUNDS) break;
}
const rounds = [];
for (let r = 0; r * 100 < paragraphs.length && r < ROUNDS; r++) {
  const batch = paragraphs.slice(r * 100, r * 100 + 100);
  // The steady state a user meets: what was ingested earlier has been linked into the HNSW graph
  // while the worker was idle; the 100 new chunks are placed right after their ingest (unlinked).
  while ((await store.spaceStats(space.id)).index?.unlinkedVectors) await new Promise((res) => setTimeout(res, 50));
  const added = await store.ingest(space.id, batch.map((p, i) => ({ title: `new ${r}.${i}`, text: p, mediaType: 'text', origin: 'paste' })));
  t = performance.now();
  const placed = await store.map.place(space.id);
  rounds.push({ wallMs: performance.now() - t, newChunks: added.chunks, engine: placed });
}
const sorted = [...rounds].sort((x, y) => x.wallMs - y.wallMs);
const med = sorted[Math.floor(sorted.length / 2)];
const stage = (p) => ({ newChunks: p.engine.placed, engineMs: p.engine.ms, loadMs: p.engine.loadMs, knnMs: p.engine.knnMs,
  transformMs: p.engine.transformMs, overlapMs: p.engine.overlapMs, writeMs: p.engine.writeMs });
row('incremental placement, first call (UMAP transform, no refit)', rounds[0].wallMs, { ...stage(rounds[0]), targetMs: 50 });
row(`incremental placement, median of ${rounds.length} rounds`, med.wallMs, { ...stage(med), targetMs: 50,
  allMs: rounds.map((x) => Math.round(x.wallMs * 10) / 10) });
results.incremental = { rounds };
await store.close();

console.log(`\nMap benchmark${QUICK ? ' (--quick)' : ''}: Rust RFCs, ${results.corpus.files} files, ${results.corpus.chunks} chunks\n`);
console.log('| what | ms | details |');
console.log('| --- | ---: | --- |');
for (const r of results.rows) {
  const { what, ms, ...d } = r;
  console.log(`| ${what} | ${ms} | ${JSON.stringify(d)} |`);
}
console.log(`\nTop-level cluster labels: ${results.sampleLabels.join('; ')}`);
fs.mkdirSync(path.join(ROOT, 'tests', 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'tests', 'bench', 'results', 'map.json'), JSON.stringify(results, null, 2));

#!/usr/bin/env node
// Retrieval quality on BEIR SciFact (../shared/data/scifact), through the public API and the wasm
// engine: nDCG@10 and Recall@100 of text, vector and hybrid search with the built-in embedder, on
// the 300 test queries (parameters were tuned on the train queries only: tests/eval/native).
// Side by side in the same run: Orama (BM25 with stemming and Lucene's English stopwords) and
// PGlite (Postgres full text, ts_rank_cd) on the same documents and queries. Prints a table, writes
// tests/eval/results/scifact.json. Flags: --train (also the train queries), --no-peers.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = path.resolve(ROOT, '..', 'shared', 'data', 'scifact');
const args = new Set(process.argv.slice(2));
const { openStore } = await import(path.join(ROOT, 'dist', 'js', 'node.js'));
const { oramaEnglish } = await import(path.join(ROOT, 'tests', 'helpers', 'peers.mjs'));

function readJsonl(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
function readQrels(file) {
  const q = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
    const [qid, did, score] = line.trim().split('\t');
    if (!qid || !did) continue;
    if (!q.has(qid)) q.set(qid, new Map());
    q.get(qid).set(did, Number(score));
  }
  return q;
}

/** nDCG@k with graded gains rel / log2(rank + 1), as pytrec_eval (BEIR) computes it. */
export function ndcg(ranked, rels, k = 10) {
  let dcg = 0;
  ranked.slice(0, k).forEach((d, i) => {
    dcg += (rels.get(d) ?? 0) / Math.log2(i + 2);
  });
  const ideal = [...rels.values()].filter((r) => r > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((s, r, i) => s + r / Math.log2(i + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}
export function recall(ranked, rels, k = 100) {
  const relevant = [...rels.entries()].filter(([, r]) => r > 0).map(([d]) => d);
  if (relevant.length === 0) return 0;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((d) => top.has(d)).length / relevant.length;
}

const corpus = readJsonl(path.join(DATA, 'corpus.jsonl'));
const queries = new Map(readJsonl(path.join(DATA, 'queries.jsonl')).map((q) => [q._id, q.text]));
const splits = { test: readQrels(path.join(DATA, 'qrels', 'test.tsv')) };
if (args.has('--train')) splits.train = readQrels(path.join(DATA, 'qrels', 'train.tsv'));

const results = { name: 'scifact', date: new Date().toISOString(), documents: corpus.length, rows: [] };

// ---- kspace -----------------------------------------------------------------------------------
const store = await openStore({ memory: true });
const space = await store.createSpace({ title: 'SciFact' });
const t0 = performance.now();
const batchSize = 500;
for (let i = 0; i < corpus.length; i += batchSize) {
  await store.ingest(space.id, corpus.slice(i, i + batchSize).map((d) => ({
    title: d.title || d._id, text: d.text || d.title || '-', mediaType: 'document', origin: 'import', path: d._id,
  })), { duplicates: 'keep' });
}
const ingestSeconds = (performance.now() - t0) / 1000;
const docOf = new Map();
for (let after; ;) {
  const page = await store.listSources(space.id, after ? { limit: 10000, after } : { limit: 10000 });
  for (const s of page) docOf.set(s.id, s.path);
  if (page.length < 10000) break;
  after = page.at(-1).id;
}
const stats = await store.spaceStats(space.id);
results.ingest = { seconds: ingestSeconds, chunks: stats.chunks };

for (const [split, qrels] of Object.entries(splits)) {
  for (const mode of ['text', 'vector', 'hybrid']) {
    let n = 0, r = 0, count = 0, ms = 0;
    for (const [qid, rels] of qrels) {
      const text = queries.get(qid);
      if (!text) continue;
      const t = performance.now();
      const hits = await store.search(space.id, text, { k: 100, mode, groupBySource: true });
      ms += performance.now() - t;
      const ranked = hits.map((h) => docOf.get(h.sourceId));
      n += ndcg(ranked, rels);
      r += recall(ranked, rels);
      count++;
    }
    results.rows.push({ engine: 'kspace', split, mode, queries: count, ndcg10: n / count, recall100: r / count, msPerQuery: ms / count });
  }
}
await store.close();

// ---- peers ------------------------------------------------------------------------------------
if (!args.has('--no-peers')) {
  const { create, insertMultiple, search } = await import('@orama/orama');
  const orama = await create({
    schema: { id: 'string', title: 'string', text: 'string' },
    components: oramaEnglish(),
  });
  await insertMultiple(orama, corpus.map((d) => ({ id: d._id, title: d.title ?? '', text: d.text ?? '' })), 1000);
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create();
  await pg.exec(`CREATE TABLE docs (id text PRIMARY KEY, tsv tsvector);`);
  for (let i = 0; i < corpus.length; i += 500) {
    const slice = corpus.slice(i, i + 500);
    const params = [];
    const values = slice.map((d, j) => {
      params.push(d._id, `${d.title ?? ''} ${d.text ?? ''}`);
      return `($${2 * j + 1}, to_tsvector('english', $${2 * j + 2}))`;
    });
    await pg.query(`INSERT INTO docs VALUES ${values.join(',')}`, params);
  }
  await pg.exec('CREATE INDEX docs_tsv ON docs USING gin (tsv)');
  for (const [split, qrels] of Object.entries(splits)) {
    let on = 0, or = 0, pn = 0, pr = 0, count = 0, oms = 0, pms = 0;
    for (const [qid, rels] of qrels) {
      const text = queries.get(qid);
      if (!text) continue;
      let t = performance.now();
      const o = await search(orama, { term: text, properties: ['title', 'text'], limit: 100, threshold: 1 });
      oms += performance.now() - t;
      const oRanked = o.hits.map((h) => h.document.id);
      // Postgres: OR of the query's lexemes (plainto_tsquery would AND them and find almost nothing).
      t = performance.now();
      const p = await pg.query(
        `SELECT id FROM docs, to_tsquery('english', array_to_string(tsvector_to_array(to_tsvector('english', $1)), ' | ')) q
         WHERE tsv @@ q ORDER BY ts_rank_cd(tsv, q) DESC LIMIT 100`, [text]);
      pms += performance.now() - t;
      const pRanked = p.rows.map((x) => x.id);
      on += ndcg(oRanked, rels); or += recall(oRanked, rels);
      pn += ndcg(pRanked, rels); pr += recall(pRanked, rels);
      count++;
    }
    results.rows.push({ engine: 'orama', split, mode: 'text', queries: count, ndcg10: on / count, recall100: or / count, msPerQuery: oms / count });
    results.rows.push({ engine: 'pglite', split, mode: 'text', queries: count, ndcg10: pn / count, recall100: pr / count, msPerQuery: pms / count });
  }
  await pg.close();
}

// ---- report -----------------------------------------------------------------------------------
const published = { 'BEIR BM25': 0.665, 'Anserini BM25': 0.679, 'BM25 + cross-encoder': 0.688 };
const bestPeer = (split) => Math.max(...results.rows.filter((r) => r.engine !== 'kspace' && r.split === split).map((r) => r.ndcg10), 0);
console.log(`\nSciFact: ${corpus.length} documents -> ${stats.chunks} chunks, ingested in ${ingestSeconds.toFixed(1)} s`);
console.log(`${'engine'.padEnd(8)} ${'split'.padEnd(6)} ${'mode'.padEnd(7)} ${'nDCG@10'.padEnd(8)} ${'R@100'.padEnd(7)} ${'ms/q'.padEnd(7)} vs best peer`);
for (const r of results.rows) {
  const peer = bestPeer(r.split);
  r.vsBestPeer = r.engine === 'kspace' && peer > 0 ? r.ndcg10 / peer : undefined;
  console.log(`${r.engine.padEnd(8)} ${r.split.padEnd(6)} ${r.mode.padEnd(7)} ${r.ndcg10.toFixed(4).padEnd(8)} ${r.recall100.toFixed(4).padEnd(7)} ${r.msPerQuery.toFixed(1).padEnd(7)} ${r.vsBestPeer ? `${r.vsBestPeer.toFixed(2)}x` : ''}`);
}
console.log(`published nDCG@10 on test: ${Object.entries(published).map(([k, v]) => `${k} ${v}`).join(', ')}`);
const text = results.rows.find((r) => r.engine === 'kspace' && r.split === 'test' && r.mode === 'text');
const hybrid = results.rows.find((r) => r.engine === 'kspace' && r.split === 'test' && r.mode === 'hybrid');
console.log(`targets: text >= 0.665 -> ${text.ndcg10.toFixed(4)} ${text.ndcg10 >= 0.665 ? 'met' : 'MISSED'}; hybrid >= 0.70 -> ${hybrid.ndcg10.toFixed(4)} ${hybrid.ndcg10 >= 0.70 ? 'met' : 'MISSED'}`);
results.published = published;
fs.mkdirSync(path.join(ROOT, 'tests', 'eval', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'tests', 'eval', 'results', 'scifact.json'), JSON.stringify(results, null, 2));

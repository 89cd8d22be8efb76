#!/usr/bin/env node
// Ingest benchmark (retrieval issue). Prints a table, writes tests/bench/results/ingest.json.
//
//  - The Rust RFC corpus (../shared/data/rust-rfcs, 648 Markdown files) ingested end to end in
//    WebAssembly (parse, chunk, keywords, summary, embed with the built-in model, index, commit) on
//    a Node file store: MB/s, chunks, time per stage; first with the module's code fresh (the
//    first ingest of a session), then again into a fresh store with the code optimised. Side by
//    side: Orama and PGlite indexing the same documents for full-text search only (no chunking,
//    no vectors).
//  - Reopening a store and answering the first search, with the vector graph persisted, at 100k
//    chunks (10k with --quick): target < 300 ms. In Node (in-process and from a fresh process) and
//    in Chromium on OPFS (after a page reload, and after a browser restart: opened at once, while
//    the browser itself is still starting, and opened once it has settled).
// Targets: >= 10 MB/s ingest with the built-in embedder; first search after reopen < 300 ms.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RFCS = path.resolve(ROOT, '..', 'shared', 'data', 'rust-rfcs', 'text');
const QUICK = process.argv.includes('--quick');
const { openStore } = await import(path.join(ROOT, 'dist', 'js', 'node.js'));
const { oramaEnglish } = await import(path.join(ROOT, 'tests', 'helpers', 'peers.mjs'));
const { fillSpace } = await import(path.join(ROOT, 'tests', 'helpers', 'bigspace.mjs'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kspace-ingest-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const results = { name: 'ingest', date: new Date().toISOString(), quick: QUICK, rows: [] };

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.md') ? [path.join(dir, e.name)] : []);
}
const files = walk(RFCS).sort();
const docs = files.map((f) => ({ path: path.relative(RFCS, f), text: fs.readFileSync(f, 'utf8') }));
const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0);

// Queries a person might type into the RFC corpus, for the query-latency rows (every engine runs
// each one REPEAT times after one untimed run; the median of all is reported).
const QUERIES = ['borrow checker lifetimes', 'async await syntax', 'trait objects dynamic dispatch', 'const generics',
  'procedural macros', 'error handling question mark operator', 'unsafe code', 'pattern matching exhaustiveness',
  'closure captures', 'module paths and imports', 'cargo workspaces', 'integer overflow', 'specialization',
  'never type', 'impl trait in return position', 'lint levels', 'editions', 'slice patterns', 'default type parameters',
  'drop order'];
const REPEAT = 5;
async function medianQueryMs(run) {
  const ts = [];
  for (const q of QUERIES) {
    await run(q);
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      await run(q);
      ts.push(performance.now() - t);
    }
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}
results.queries = { count: QUERIES.length, repeat: REPEAT, rows: [] };

// ---- kspace: the whole pipeline ---------------------------------------------------------------
// Ingests the corpus into a new space of a new store file; returns the open store, the space, the
// ingest result and its wall time in seconds.
async function ingestRfcs(file) {
  const store = await openStore({ path: path.join(tmp, file) });
  const space = await store.createSpace({ title: 'RFCs' });
  const t0 = performance.now();
  const r = await store.ingest(space.id, docs.map((d) => ({
    title: d.path.replace(/\.md$/, ''), text: d.text, mediaType: 'document', origin: 'vault', path: d.path, mimeType: 'text/markdown',
  })));
  return { store, space, r, s: (performance.now() - t0) / 1000 };
}
{
  const { store, space, r, s } = await ingestRfcs('rfcs.kspace');
  results.rfc = { files: docs.length, mb: bytes / 1e6, seconds: s, mbPerSec: bytes / 1e6 / s, chunks: r.chunks, failed: r.failed, timings: r.timings };
  results.rows.push({ engine: 'kspace', what: 'parse+chunk+keywords+embed+index+commit', seconds: s, mbPerSec: bytes / 1e6 / s });
  const t1 = performance.now();
  const hits = await store.search(space.id, 'borrow checker lifetimes', { k: 10 });
  results.rfc.searchMs = performance.now() - t1;
  results.rfc.topHit = hits[0]?.sourceTitle;
  // The vectors are searchable when ingest returns (unlinked ones by exact scan); the worker links
  // them into the HNSW graph while idle. Time until the graph holds every vector:
  const t2 = performance.now();
  while ((await store.spaceStats(space.id)).index?.unlinkedVectors) await new Promise((r) => setTimeout(r, 20));
  results.rfc.linkSeconds = (performance.now() - t2) / 1000;
  // Query latency through the worker (top 10 with snippets and source titles), graph linked.
  for (const mode of ['text', 'vector', 'hybrid']) {
    const ms = await medianQueryMs((q) => store.search(space.id, q, { k: 10, mode }));
    results.queries.rows.push({ engine: 'kspace', what: `${mode}, ${r.chunks} chunks, via the worker`, medianMs: ms });
  }
  await store.close();
  // The same corpus again into a fresh store: the compiled module is shared, and V8 has optimised
  // its hot code by now (it tiers wasm up while it runs), as for every ingest after the first.
  const again = await ingestRfcs('rfcs2.kspace');
  results.rfc.second = { seconds: again.s, mbPerSec: bytes / 1e6 / again.s, chunks: again.r.chunks, timings: again.r.timings };
  results.rows.push({ engine: 'kspace', what: 'the same again, fresh store (warm code)', seconds: again.s, mbPerSec: bytes / 1e6 / again.s });
  await again.store.close();
}

// ---- peers: full-text indexing only -----------------------------------------------------------
{
  const { create, insertMultiple } = await import('@orama/orama');
  const orama = await create({ schema: { path: 'string', text: 'string' }, components: oramaEnglish() });
  const t0 = performance.now();
  await insertMultiple(orama, docs.map((d) => ({ path: d.path, text: d.text })), 100);
  const s = (performance.now() - t0) / 1000;
  results.rows.push({ engine: 'orama', what: 'full-text index only', seconds: s, mbPerSec: bytes / 1e6 / s });
  const { search } = await import('@orama/orama');
  const ms = await medianQueryMs((q) => search(orama, { term: q, limit: 10 }));
  results.queries.rows.push({ engine: 'orama', what: `BM25, ${docs.length} whole documents, in-process`, medianMs: ms });
}
{
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create(path.join(tmp, 'pg'));
  await pg.exec('CREATE TABLE docs (path text PRIMARY KEY, body text, tsv tsvector); CREATE INDEX ON docs USING gin (tsv);');
  const t0 = performance.now();
  for (const d of docs) await pg.query(`INSERT INTO docs VALUES ($1, $2, to_tsvector('english', $2))`, [d.path, d.text]);
  const s = (performance.now() - t0) / 1000;
  results.rows.push({ engine: 'pglite', what: 'full-text index only (file)', seconds: s, mbPerSec: bytes / 1e6 / s });
  // Any query word (OR, as kspace and Orama match), ranked by ts_rank.
  const ms = await medianQueryMs((q) => pg.query(
    `WITH q AS (SELECT replace(plainto_tsquery('english', $1)::text, '&', '|')::tsquery AS t)
     SELECT path FROM docs, q WHERE tsv @@ q.t ORDER BY ts_rank(tsv, q.t) DESC LIMIT 10`, [q]));
  results.queries.rows.push({ engine: 'pglite', what: `ts_rank, ${docs.length} whole documents, in-process`, medianMs: ms });
  await pg.close();
}

// ---- reopen to first search with a persisted graph ---------------------------------------------
// Synthetic notes of ~5 chunks each over 50 topics, each linking one other note: enough structure
// for a real graph. Self-contained (its source also runs in the browser below).
function synthNotes() {
  const vocab = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const note = (i) => {
    const topic = i % 50;
    const paras = [];
    for (let p = 0; p < 5; p++) {
      const words = [];
      for (let w = 0; w < 180; w++) words.push(rnd() < 0.5 ? vocab[topic * 100 + Math.floor(rnd() * 100)] : vocab[Math.floor(rnd() * vocab.length)]);
      if (p === 0) words.push(`(see [[n${(i * 7919) % 20000}]])`); // notes link to each other
      paras.push(`## Part ${p}\n\n${words.join(' ')}.`);
    }
    return `# Note ${i}\n\n${paras.join('\n\n')}\n`;
  };
  return { vocab, note };
}
{
  const target = QUICK ? 10000 : 100000;
  const file = path.join(tmp, 'big.kspace');
  let store = await openStore({ path: file });
  const space = await store.createSpace({ title: 'big', storageQuotaBytes: 2 ** 40 });
  const { vocab, note } = synthNotes();
  // "With the graph persisted": filled, every vector linked into the graph (which saves the
  // snapshot), then closed.
  const { chunks, buildSeconds } = await fillSpace(store, space.id, note, target);
  await store.close();
  const size = fs.statSync(file).size;
  const runs = [];
  for (let k = 0; k < 3; k++) {
    const t1 = performance.now();
    store = await openStore({ path: file });
    const opened = performance.now() - t1;
    const hits = await store.search(space.id, `${vocab[17]} ${vocab[1234]} ${vocab[3000]}`, { k: 10 });
    const total = performance.now() - t1;
    runs.push({ openMs: opened, firstSearchMs: total - opened, totalMs: total, hits: hits.length });
    await store.close();
  }
  const best = runs.reduce((a, b) => (a.totalMs < b.totalMs ? a : b));
  // The same from a fresh Node process each time: the module's code starts unoptimised, as on a
  // browser's first visit (a repeat visit gets the browser's cached optimised code).
  // With pauseMs > 0 the search comes that long after the open, as when a person types a query:
  // by then the worker has loaded the index by itself (openStore's warmIndex), and the search is
  // timed alone.
  const probe = (pauseMs) => `
    const { openStore } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'js', 'node.js'))});
    const t0 = performance.now();
    const store = await openStore({ path: ${JSON.stringify(file)} });
    const t1 = performance.now();
    if (${pauseMs} > 0) await new Promise((r) => setTimeout(r, ${pauseMs}));
    const t2 = performance.now();
    await store.search(${JSON.stringify(space.id)}, ${JSON.stringify(`${vocab[17]} ${vocab[1234]} ${vocab[3000]}`)}, { k: 10 });
    const t3 = performance.now();
    await store.close();
    console.log(JSON.stringify({ openMs: t1 - t0, firstSearchMs: t3 - t2, totalMs: t1 - t0 + t3 - t2 }));`;
  const runProbe = (pauseMs) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe(pauseMs)], { encoding: 'utf8' }).trim().split('\n').pop());
  const fresh = [];
  for (let k = 0; k < 5; k++) fresh.push(runProbe(0));
  const freshAfterPause = [];
  for (let k = 0; k < 3; k++) freshAfterPause.push(runProbe(1000));
  // Adding one short note at a time to the big space (a person writing notes into a big vault):
  // the ingest call's wall time, which must not grow with the space.
  store = await openStore({ path: file });
  await store.search(space.id, vocab[5], { k: 1 });
  const adds = [];
  for (let i = 0; i < 20; i++) {
    const t2 = performance.now();
    await store.ingest(space.id, { title: `added ${i}`, text: `# Added ${i}\n\nA short note on ${vocab[i]} and ${vocab[i + 50]}, see [[n${i * 7}]].\n`, mediaType: 'text', origin: 'paste' });
    adds.push(performance.now() - t2);
  }
  const bigQueries = [];
  for (const mode of ['text', 'vector', 'hybrid']) {
    const ts = [];
    for (let i = 0; i < 60; i++) {
      const q = `${vocab[(i * 37) % 5000]} ${vocab[(i * 911 + 7) % 5000]} ${vocab[(i * 2657 + 13) % 5000]}`;
      const t = performance.now();
      await store.search(space.id, q, { k: 10, mode });
      ts.push(performance.now() - t);
    }
    ts.sort((a, b) => a - b);
    bigQueries.push({ mode, medianMs: ts[30], p90Ms: ts[54] });
  }
  await store.close();
  adds.sort((a, b) => a - b);
  results.reopen = { chunks, buildSeconds, fileMB: size / 1e6, runs, best, fresh, freshAfterPause, addOneMedianMs: adds[adds.length >> 1], addOneMaxMs: adds.at(-1), queries: bigQueries };
}

// ---- the same reopen in Chromium on OPFS: the product's own setting --------------------------
// The store is built in the page (same notes, same size), closed, and then opened and searched
// after a page reload (the renderer keeps the compiled engine) and after a browser restart (a new
// browser process on the same profile: the OPFS file, and the code the browser cached beside the
// .wasm). Needs the demo site (node wasm/build.mjs --demo).
async function browserReopen() {
  const site = path.join(ROOT, 'build', 'site');
  if (!fs.existsSync(path.join(site, 'index.html'))) return 'skipped: build/site missing (node wasm/build.mjs --demo)';
  const { launch, newProfile, gotoBlank } = await import(path.join(ROOT, 'tests', 'helpers', 'browser.mjs'));
  const { serve } = await import(path.join(ROOT, 'demo', 'serve.mjs'));
  const { server, url } = await serve(site); // one origin for the whole run: OPFS is per origin
  const profile = newProfile();
  const target = QUICK ? 10000 : 100000;
  let ctx = await launch(profile);
  try {
    let page = await ctx.newPage();
    await gotoBlank(page, url);
    const built = await page.evaluate(async ([genSrc, fillSrc, target]) => {
      const { vocab, note } = new Function(`return (${genSrc})`)()();
      const fill = new Function(`return (${fillSrc})`)();
      const { openStore } = await import('./dist/js/index.js');
      const store = await openStore({ name: 'big' });
      const space = await store.createSpace({ title: 'big', storageQuotaBytes: 2 ** 40 });
      const { chunks, buildSeconds } = await fill(store, space.id, note, target);
      await store.close();
      return { spaceId: space.id, chunks, buildSeconds, query: `${vocab[17]} ${vocab[1234]} ${vocab[3000]}` };
    }, [synthNotes.toString(), fillSpace.toString(), target]);
    // pauseMs: between the open and the search; settleMs: between the page's load and the open.
    const measure = (pauseMs = 0, settleMs = 0) => page.evaluate(async ({ spaceId, query, pauseMs, settleMs }) => {
      const { openStore } = await import('./dist/js/index.js');
      if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
      const t0 = performance.now();
      const store = await openStore({ name: 'big' });
      const t1 = performance.now();
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      const t2 = performance.now();
      const hits = await store.search(spaceId, query, { k: 10 });
      const t3 = performance.now();
      await store.close();
      return { openMs: t1 - t0, firstSearchMs: t3 - t2, totalMs: t1 - t0 + t3 - t2, hits: hits.length };
    }, { ...built, pauseMs, settleMs });
    const reload = [];
    for (let k = 0; k < 3; k++) {
      await page.reload();
      reload.push(await measure());
    }
    await ctx.close();
    // A browser restart, the store opened at once (competing with the browser's own start-up on this
    // machine's 2 cores), then searched at once or 1 s later; and opened once the browser has
    // settled (1.5 s after the page loaded; the engine's code is still compiled afresh).
    const restart = [];
    const restartAfterPause = [];
    const restartSettled = [];
    for (let k = 0; k < 8; k++) {
      ctx = await launch(profile);
      page = await ctx.newPage();
      await gotoBlank(page, url);
      if (k < 3) restart.push(await measure());
      else if (k < 5) restartAfterPause.push(await measure(1000));
      else restartSettled.push(await measure(0, 1500));
      await ctx.close();
    }
    ctx = null;
    return { chunks: built.chunks, buildSeconds: built.buildSeconds, reload, restart, restartAfterPause, restartSettled };
  } finally {
    await ctx?.close();
    server.close();
  }
}
results.browserReopen = await browserReopen();

console.log(`\nRust RFCs: ${results.rfc.files} files, ${results.rfc.mb.toFixed(1)} MB -> ${results.rfc.chunks} chunks (${results.rfc.failed} failed)`);
console.log(`${'engine'.padEnd(8)} ${'what'.padEnd(42)} ${'seconds'.padEnd(8)} MB/s`);
for (const r of results.rows) console.log(`${r.engine.padEnd(8)} ${r.what.padEnd(42)} ${r.seconds.toFixed(2).padEnd(8)} ${r.mbPerSec.toFixed(2)}`);
const t = results.rfc.timings;
console.log(`kspace stage time (ms): parse ${t.parseMs.toFixed(0)}, embed ${t.embedMs.toFixed(0)}, index ${t.indexMs.toFixed(0)}, commit ${t.commitMs.toFixed(0)}; first search ${results.rfc.searchMs.toFixed(1)} ms (top: ${results.rfc.topHit})`);
const t2s = results.rfc.second.timings;
console.log(`second ingest (warm code): ${results.rfc.second.mbPerSec.toFixed(2)} MB/s; parse ${t2s.parseMs.toFixed(0)}, embed ${t2s.embedMs.toFixed(0)}, index ${t2s.indexMs.toFixed(0)}, commit ${t2s.commitMs.toFixed(0)} ms`);
console.log(`target >= 10 MB/s: ${results.rfc.mbPerSec.toFixed(2)} MB/s ${results.rfc.mbPerSec >= 10 ? 'met' : 'MISSED'} (searchable when ingest returns; the HNSW graph then holds every vector ${results.rfc.linkSeconds.toFixed(1)} s later, linked while idle)`);
console.log(`query latency on the RFCs, median of ${results.queries.count} queries x ${results.queries.repeat} (top 10):`);
const kText = results.queries.rows.find((r) => r.engine === 'kspace' && r.what.startsWith('text'))?.medianMs;
for (const r of results.queries.rows) {
  const ratio = r.engine === 'kspace' ? '' : `  (${(r.medianMs / kText).toFixed(2)}x kspace text's time)`;
  console.log(`  ${r.engine.padEnd(7)} ${r.what.padEnd(48)} ${r.medianMs.toFixed(2)} ms${ratio}`);
}
const b = results.reopen.best;
console.log(`reopen at ${results.reopen.chunks} chunks (${results.reopen.fileMB.toFixed(0)} MB file, built in ${results.reopen.buildSeconds.toFixed(0)} s): open ${b.openMs.toFixed(0)} ms + first search ${b.firstSearchMs.toFixed(0)} ms = ${b.totalMs.toFixed(0)} ms (target < 300 ms at 100k)`);
// The first run is this process's first use of the module: its code starts in the engine's
// baseline tier (a browser's first visit); later runs reuse optimised code (a repeat visit, where
// the browser's code cache serves it).
console.log(`  every run (open + first search): ${results.reopen.runs.map((r) => `${r.openMs.toFixed(0)} + ${r.firstSearchMs.toFixed(0)} = ${r.totalMs.toFixed(0)} ms`).join('; ')}`);
console.log(`  in a fresh Node process each (cold module code): ${results.reopen.fresh.map((r) => `${r.openMs.toFixed(0)} + ${r.firstSearchMs.toFixed(0)} = ${r.totalMs.toFixed(0)} ms`).join('; ')}`);
console.log(`  the same, searching 1 s after the open (the index warmed meanwhile): ${results.reopen.freshAfterPause.map((r) => `${r.openMs.toFixed(0)} + ${r.firstSearchMs.toFixed(0)} ms`).join('; ')}`);
const br = results.browserReopen;
if (typeof br === 'string') console.log(`chromium OPFS reopen: ${br}`);
else {
  const fmt = (rs) => rs.map((r) => `${r.openMs.toFixed(0)} + ${r.firstSearchMs.toFixed(0)} = ${r.totalMs.toFixed(0)} ms`).join('; ');
  console.log(`chromium OPFS, ${br.chunks} chunks (built in the page in ${br.buildSeconds.toFixed(0)} s), open + first search:`);
  console.log(`  after a page reload: ${fmt(br.reload)}`);
  console.log(`  after a browser restart: ${fmt(br.restart)}`);
  console.log(`  after a browser restart, searching 1 s after the open: ${br.restartAfterPause.map((r) => `${r.openMs.toFixed(0)} + ${r.firstSearchMs.toFixed(0)} ms`).join('; ')}`);
  console.log(`  after a browser restart, opening 1.5 s after the page loaded: ${fmt(br.restartSettled)}`);
}
console.log(`queries on that space (60 three-word queries, index loaded, via the worker): ${results.reopen.queries.map((q) => `${q.mode} median ${q.medianMs.toFixed(1)} ms, p90 ${q.p90Ms.toFixed(1)}`).join('; ')}`);
console.log(`adding one short note to that space, 20 times: median ${results.reopen.addOneMedianMs.toFixed(1)} ms, slowest ${results.reopen.addOneMaxMs.toFixed(1)} ms`);
fs.mkdirSync(path.join(ROOT, 'tests', 'bench', 'results'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'tests', 'bench', 'results', 'ingest.json'), JSON.stringify(results, null, 2));

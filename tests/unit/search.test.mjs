// Ingest and retrieval through the public API (worker + wasm): a small corpus with known answers
// (the demo's sample notes), every search mode, filters, deletes and restores, similar, chunks,
// progress and cancellation, duplicates, a page-side embedder, and re-embedding.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, rejectsWith, ROOT, tempDir } from '../helpers/store.mjs';

const { openStore } = kspace;
const SAMPLE = path.join(ROOT, 'demo', 'sample');
const notes = fs.readdirSync(SAMPLE).filter((f) => f.endsWith('.md')).sort()
  .map((f) => ({ title: f.replace(/\.md$/, ''), text: fs.readFileSync(path.join(SAMPLE, f), 'utf8'), mediaType: 'document', origin: 'vault', path: f }));

let store;
let space;
let ingested;
const progress = [];

before(async () => {
  store = await openStore({ path: path.join(tempDir(), 'search.kspace') });
  space = await store.createSpace({ title: 'Sample' });
  ingested = await store.ingest(space.id, notes, { onProgress: (p) => progress.push(p) });
});
after(() => store?.close());

test('ingest processes every note into chunks with keywords and a summary, reporting progress', async () => {
  assert.equal(ingested.sources.length, notes.length);
  assert.equal(ingested.failed, 0);
  assert.ok(ingested.chunks >= notes.length, `${ingested.chunks} chunks`);
  for (const s of ingested.sources) {
    assert.equal(s.status, 'processed', `${s.title}: ${s.errorMessage}`);
    assert.ok(s.numChunks >= 1, s.title);
    assert.ok(s.keywords.length > 0, `${s.title} has keywords`);
    assert.ok(s.contentSummary && s.contentSummary.length > 20, `${s.title} has a summary`);
  }
  assert.equal(progress.at(-1).stage, 'done');
  assert.equal(progress.at(-1).sourcesDone, notes.length);
  assert.equal(progress.at(-1).bytesDone, progress.at(-1).bytesTotal);
  assert.ok(progress.some((p) => p.stage === 'commit'));
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].sourcesDone >= progress[i - 1].sourcesDone, 'monotonic');
  const stats = await store.spaceStats(space.id);
  assert.equal(stats.index.liveVectors, stats.liveChunks);
  assert.equal(stats.processingSources, 0);
});

const known = [
  ['how does a sourdough starter work', /sourdough/],
  ['spaced repetition and the forgetting curve', /(spaced-repetition|memory-and-forgetting|leitner|sm-2)/],
  ['hierarchical navigable small world graph for nearest neighbours', /hnsw/],
  ['life cycle of massive stars supernova', /(life-cycle-of-stars|hertzsprung)/],
  ['zettelkasten slip box', /zettelkasten/],
  ['compost heap nitrogen carbon', /compost/],
];

for (const mode of ['hybrid', 'text', 'vector']) {
  test(`${mode} search finds the right note for known questions`, async () => {
    for (const [query, want] of known) {
      const hits = await store.search(space.id, query, { k: 5, mode });
      assert.ok(hits.length > 0, `${mode}: ${query}`);
      const paths = [];
      for (const h of hits.slice(0, 3)) paths.push((await store.getSource(h.sourceId)).path);
      assert.ok(paths.some((p) => want.test(p)), `${mode} "${query}" -> ${paths.join(', ')}`);
    }
  });
}

test('a hit\'s snippet does not depend on how many hits were asked for, nor on the side that found it', async () => {
  for (const mode of ['hybrid', 'text', 'vector']) {
    const query = 'memory graph search notes';
    const few = await store.search(space.id, query, { k: 5, mode });
    const many = await store.search(space.id, query, { k: 60, mode });
    assert.ok(many.length > 16, `${mode}: ${many.length} hits`);
    assert.deepEqual(many.slice(0, few.length).map((h) => [h.chunkId, h.snippet]), few.map((h) => [h.chunkId, h.snippet]), mode);
    // Every hit whose body holds a query word is marked (vector hits too); the others get a plain
    // excerpt of their start.
    assert.ok(many.filter((h) => h.snippet.includes('<mark>')).length > 16, mode);
    for (const h of many) {
      if (!h.snippet.includes('<mark>')) assert.ok(!h.snippet.startsWith('…'), `${mode}: an unmarked snippet is the passage's start`);
    }
  }
  // The same chunk gets the same snippet in every mode.
  const byMode = await Promise.all(['hybrid', 'text', 'vector'].map((mode) => store.search(space.id, 'memory graph search notes', { k: 60, mode })));
  const seen = new Map();
  for (const hits of byMode) for (const h of hits) {
    if (seen.has(h.chunkId)) assert.equal(h.snippet, seen.get(h.chunkId), h.chunkId);
    else seen.set(h.chunkId, h.snippet);
  }
});

test('hits carry chunk, source, type, heading path, snippet and both sides\' scores and ranks', async () => {
  const hits = await store.search(space.id, 'BM25 ranking saturation', { k: 8, includeText: true });
  const h = hits[0];
  for (const key of ['chunkId', 'sourceId', 'sourceTitle', 'chunkType', 'headingPath', 'snippet', 'score', 'rank', 'scores', 'text', 'charStart', 'charEnd']) {
    assert.ok(key in h, key);
  }
  assert.equal(h.rank, 1);
  assert.ok(hits.some((x) => x.scores.text && x.scores.vector), 'some hits found by both sides');
  assert.match(hits.find((x) => x.scores.text).snippet, /<mark>/);
  // The hit's offsets point into the source's processed text.
  const chunk = await store.getChunk(h.chunkId);
  const text = (await store.getSourceContent(h.sourceId, { processed: true })).text;
  assert.equal(text.slice(chunk.charStart, chunk.charEnd), chunk.text);
  const chunks = await store.listChunks(h.sourceId);
  assert.ok(chunks.some((c) => c.id === h.chunkId));
  assert.deepEqual(chunks.map((c) => c.chunkIndex), chunks.map((_, i) => i));
});

test('filters restrict every mode', async () => {
  const bread = ingested.sources.find((s) => s.path === 'sourdough.md');
  for (const mode of ['hybrid', 'text', 'vector']) {
    const hits = await store.search(space.id, 'temperature and time', { mode, filter: { sourceIds: [bread.id] } });
    assert.ok(hits.length > 0, mode);
    assert.ok(hits.every((h) => h.sourceId === bread.id), mode);
  }
  const code = await store.search(space.id, 'function', { filter: { chunkTypes: ['code_block'] }, k: 20 });
  assert.ok(code.length > 0 && code.every((h) => h.chunkType === 'code_block'));
  const tagged = await store.search(space.id, 'soil', { filter: { tags: ['garden'] }, k: 20 });
  assert.ok(tagged.length > 0);
  const later = await store.search(space.id, 'soil', { filter: { createdAfter: '2999-01-01T00:00:00Z' } });
  assert.deepEqual(later, []);
});

test('deleting a source removes its chunks from search at once; restoring brings them back', async () => {
  const hnsw = ingested.sources.find((s) => s.path === 'hnsw.md');
  const q = 'hierarchical navigable small world graph';
  await store.deleteSource(hnsw.id);
  for (const mode of ['hybrid', 'text', 'vector']) {
    const hits = await store.search(space.id, q, { mode, k: 50 });
    assert.ok(hits.every((h) => h.sourceId !== hnsw.id), mode);
  }
  await store.restoreSource(hnsw.id);
  const hits = await store.search(space.id, q, { mode: 'vector', k: 3 });
  assert.ok(hits.some((h) => h.sourceId === hnsw.id));
});

test('a space sees only its own chunks, even when another space matches better and more often', async () => {
  const crowd = await store.createSpace({ title: 'Crowd' });
  // 300 short notes that repeat the query words in their titles and bodies: they outrank anything
  // in the sample space, so the full-text side must pass over all of them to fill k.
  await store.ingest(crowd.id, Array.from({ length: 300 }, (_, i) => ({
    title: `graph graph ${i}`, text: `Small world graph navigable graph ${i}.`, mediaType: 'text', origin: 'paste',
  })), { duplicates: 'keep' });
  try {
    for (const mode of ['hybrid', 'text', 'vector']) {
      const mine = await store.search(space.id, 'navigable small world graph', { mode, k: 10 });
      assert.equal(mine.length, 10, mode);
      assert.ok(mine.every((h) => ingested.sources.some((s) => s.id === h.sourceId)), mode);
      if (mode !== 'vector') assert.ok(mine.some((h) => h.snippet.includes('<mark>')), mode);
      const theirs = await store.search(crowd.id, 'navigable small world graph', { mode, k: 10 });
      assert.ok(theirs.every((h) => !ingested.sources.some((s) => s.id === h.sourceId)), mode);
    }
  } finally {
    await store.deleteSpace(crowd.id);
    await store.purgeSpace(crowd.id);
  }
});

test('similar finds neighbours of a chunk, a source, or a text', async () => {
  const [top] = await store.search(space.id, 'Maillard reaction browning', { k: 1 });
  const byChunk = await store.similar({ chunkId: top.chunkId }, { k: 5 });
  assert.equal(byChunk.length, 5);
  assert.ok(byChunk.every((h) => h.chunkId !== top.chunkId));
  const bySource = await store.similar({ sourceId: top.sourceId }, { k: 5 });
  assert.ok(bySource.every((h) => h.sourceId !== top.sourceId));
  const byText = await store.similar({ text: 'telescope mirror and lens', spaceId: space.id }, { k: 3 });
  assert.equal(byText.length, 3);
  await rejectsWith(store.similar({ chunkId: top.chunkId, text: 'x' }), 'INVALID_ARGUMENT', 'chunkId');
});

test('search as you type: an unfinished last word matches as a prefix, a finished one does not', async () => {
  // "sourd" is no word of the corpus: a whole-word search finds nothing on the text side.
  assert.equal((await store.search(space.id, 'sourd', { mode: 'text' })).length, 0);
  assert.equal((await store.search(space.id, 'sourd', { mode: 'text', prefix: false })).length, 0);
  const typing = await store.search(space.id, 'sourd', { mode: 'text', prefix: true, k: 20 });
  assert.ok(typing.length >= 3, `${typing.length} hits`);
  assert.ok(typing.some((h) => h.sourceTitle === 'sourdough'), typing.map((h) => h.sourceTitle).join());
  // Snippets mark the words the prefix matched (a hit matched only in its title has none).
  assert.ok(typing.filter((h) => /<mark>sourdough<\/mark>/i.test(h.snippet)).length >= 3, typing.map((h) => h.snippet).join('\n'));
  // Hybrid: the text side now contributes (the n-gram vector side found some on its own).
  const hybrid = await store.search(space.id, 'crop rota', { prefix: true, k: 5 });
  assert.equal(hybrid[0].sourceTitle, 'crop-rotation');
  assert.match(hybrid[0].snippet, /<mark>rotation<\/mark>/i, 'the text side matched "rotation" from "rota"');
  // A space after the word finishes it; two letters and stopwords are not expanded.
  assert.equal((await store.search(space.id, 'sourd ', { mode: 'text', prefix: true })).length, 0);
  assert.equal((await store.search(space.id, 'ze', { mode: 'text', prefix: true })).length, 0);
  await rejectsWith(store.search(space.id, 'sourd', { prefix: 'yes' }), 'INVALID_ARGUMENT', 'prefix');
});

test('a quoted phrase ranks passages holding it in that order first, and is marked as one', async () => {
  const hits = await store.search(space.id, '"spaced repetition"', { k: 5, mode: 'text' });
  assert.ok(hits.length > 0);
  assert.match(hits[0].snippet, /<mark>spaced repetition<\/mark>/i, hits[0].snippet);
  // The words alone still match: a quoted query never finds less than the same words unquoted.
  const loose = await store.search(space.id, 'spaced repetition', { k: 50, mode: 'text' });
  const quoted = await store.search(space.id, '"spaced repetition"', { k: 50, mode: 'text' });
  assert.equal(quoted.length, loose.length);
});

test('a query without a word the model can embed has no vector side', async () => {
  // "?" and stopwords get the embedder's one featureless vector: its neighbours would be arbitrary.
  assert.deepEqual(await store.search(space.id, '?', { mode: 'vector' }), []);
  assert.deepEqual(await store.search(space.id, '?!', { mode: 'hybrid' }), []);
  assert.deepEqual(await store.similar({ text: '...', spaceId: space.id }, { k: 3 }), []);
  const stop = await store.search(space.id, 'the', { k: 5 });
  assert.ok(stop.length > 0, 'the text side still answers');
  assert.ok(stop.every((h) => h.scores.vector === null && h.scores.text), JSON.stringify(stop.map((h) => h.scores)));
  // One content word is enough for the vector side.
  assert.ok((await store.search(space.id, 'the telescope', { mode: 'vector', k: 3 })).length === 3);
});

test('identical bytes are not processed twice', async () => {
  const again = await store.ingest(space.id, notes.slice(0, 3));
  assert.equal(again.duplicates, 3);
  assert.deepEqual(again.sources.map((s) => s.id), ingested.sources.slice(0, 3).map((s) => s.id));
  assert.ok(again.sources.every((s) => s.duplicate));
});

test('bad search input: typed errors', async () => {
  await rejectsWith(store.search(space.id, 'x', { k: 0 }), 'INVALID_ARGUMENT', 'k');
  await rejectsWith(store.search(space.id, 'x', { k: 1e9 }), 'INVALID_ARGUMENT', 'k');
  await rejectsWith(store.search(space.id, '   '), 'INVALID_ARGUMENT', 'query');
  await rejectsWith(store.search(space.id, 'x', { mode: 'fuzzy' }), 'INVALID_ARGUMENT', 'mode');
  await rejectsWith(store.search(space.id, 'x', { filter: { colour: 'red' } }), 'INVALID_ARGUMENT', 'filter.colour');
  await rejectsWith(store.search(space.id, 'x', { filter: { chunkTypes: ['poem'] } }), 'INVALID_ARGUMENT', 'filter.chunkTypes[0]');
  await rejectsWith(store.search(space.id, 'x', { alpha: 2 }), 'INVALID_ARGUMENT', 'alpha');
  await rejectsWith(store.search('not-an-id', 'x'), 'INVALID_ARGUMENT', 'spaceId');
  // Any string is a safe query.
  for (const q of ['"', 'NEAR(a b)', 'a AND OR NOT', '*', '^title:x', '(((', '💥 emoji', 'a'.repeat(5000)]) {
    await store.search(space.id, q);
  }
});

test('an ingest can be cancelled: processed sources stay, the rest is removed', async () => {
  const s2 = await store.createSpace({ title: 'cancel' });
  const many = Array.from({ length: 300 }, (_, i) => ({ title: `n${i}`, text: `note ${i} ${'word '.repeat(200)} ${i}`, mediaType: 'text', origin: 'paste' }));
  const ctl = new AbortController();
  const seen = [];
  const job = store.ingest(s2.id, many, {
    signal: ctl.signal,
    onProgress: (p) => {
      seen.push(p);
      if (p.stage === 'commit') ctl.abort();
    },
  });
  await rejectsWith(job, 'CANCELLED');
  const left = await store.listSources(s2.id, { includeDeleted: true });
  assert.ok(left.length > 0 && left.length < many.length, `${left.length} processed before the cancel`);
  assert.ok(left.every((s) => s.status === 'processed'), 'nothing half-ingested is left');
  const sp = await store.getSpace(s2.id);
  assert.equal(sp.documentCount, left.length);
  await rejectsWith(store.ingest(s2.id, many.slice(0, 1), { signal: AbortSignal.abort() }), 'CANCELLED');
  // The cancelled job let go of the pipeline's second worker: the next ingest uses it again.
  const again = await store.ingest(s2.id, many.map((m) => ({ ...m, title: `again ${m.title}`, text: `${m.text} again` })));
  assert.ok(again.pipelinedBatches > 0, `pipelined ${again.pipelinedBatches} batches after a cancel`);
  assert.ok(again.sources.every((x) => x.status === 'processed'));
});

test('bad ingest input: typed errors, nothing half-written', async () => {
  const s3 = await store.createSpace({ title: 'bad' });
  const before = await store.digest();
  await rejectsWith(store.ingest(s3.id, []), 'INVALID_ARGUMENT', 'sources');
  await rejectsWith(store.ingest(s3.id, [{ title: 'a', text: 'x', mediaType: 'text', origin: 'paste' }, { title: 'b', text: '', mediaType: 'text', origin: 'paste' }]),
    'INVALID_ARGUMENT', 'sources[1].text');
  await rejectsWith(store.ingest(s3.id, [{ title: 'a', text: 'x', mediaType: 'text', origin: 'paste' }], { colour: 1 }), 'INVALID_ARGUMENT', 'colour');
  await rejectsWith(store.ingest(s3.id, { title: 'a', text: 'x', mediaType: 'bogus', origin: 'paste' }), 'INVALID_ARGUMENT', 'sources[0].mediaType');
  assert.equal(await store.digest(), before);
  // A bad source late in a big ingest: the second worker was already preparing the first batches
  // (staged in a slice of their own), and still nothing is added; the next ingest pipelines again.
  const lots = Array.from({ length: 300 }, (_, i) => ({ title: `late ${i}`, text: `late note ${i} about ${'tides '.repeat(i % 7 + 1)}`, mediaType: 'text', origin: 'paste' }));
  lots[250] = { ...lots[250], origin: 'nowhere' };
  await rejectsWith(store.ingest(s3.id, lots), 'INVALID_ARGUMENT', 'sources[250].origin');
  assert.equal(await store.digest(), before);
  lots[250] = { ...lots[250], origin: 'paste' };
  const fine = await store.ingest(s3.id, lots);
  assert.ok(fine.pipelinedBatches >= 4, `pipelined ${fine.pipelinedBatches} batches`);
  assert.equal(fine.sources.filter((x) => x.status === 'processed').length, 300);
  assert.deepEqual((await store.search(s3.id, 'late note 299', { k: 1, mode: 'text' }))[0]?.sourceTitle, 'late 299');
  // Odd but valid content is handled gracefully.
  const r = await store.ingest(s3.id, [
    { title: 'ws', text: ' \n\t \n', mediaType: 'text', origin: 'paste' },
    { title: 'junk', bytes: Uint8Array.from({ length: 4096 }, (_, i) => (i * 97 + 13) & 0xff), mediaType: 'document', origin: 'upload' },
    { title: 'bad utf8', bytes: new Uint8Array([0x41, 0xff, 0xfe, 0x42, 0x20, 0x43]), mediaType: 'text', origin: 'upload', mimeType: 'text/plain' },
  ]);
  assert.equal(r.sources[0].status, 'processed');
  assert.equal(r.sources[0].numChunks, 0);
  assert.equal(r.sources[1].status, 'failed');
  assert.match(r.sources[1].errorMessage, /cannot extract text/);
  assert.equal(r.sources[2].status, 'processed');
});

test('a page-side embedder: vectors stored with its id, search through it, reembed, reopen without it', async () => {
  const file = path.join(tempDir(), 'embedder.kspace');
  // A small deterministic embedder: hashed words into 64 dimensions.
  const calls = [];
  const embedder = {
    id: 'test-hash-64',
    dimensions: 64,
    embed(texts) {
      calls.push(texts.length);
      return texts.map((t) => {
        const v = new Array(64).fill(0);
        for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) {
          let h = 2166136261;
          for (const c of w) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
          v[(h >>> 0) % 64] += 1;
        }
        v[0] += 0.01;
        return v;
      });
    },
  };
  let s = await openStore({ path: file, embedder });
  const sp = await s.createSpace({ title: 'js' });
  assert.equal(sp.embeddingModel, 'test-hash-64');
  const r = await s.ingest(sp.id, notes.slice(0, 10));
  assert.equal(r.failed, 0);
  assert.ok(calls.length > 0, 'the page-side embedder was called');
  const hits = await s.search(sp.id, 'sourdough starter flour', { mode: 'vector', k: 3 });
  assert.ok(hits.length > 0);
  const added = await s.addSource(sp.id, { title: 'one', text: 'a single note about telescopes', mediaType: 'text', origin: 'paste' });
  assert.equal(added.status, 'processed');
  assert.ok(added.numChunks >= 1);
  // Back to the built-in model, resumable; then to the page-side one again.
  const prog = [];
  const re = await s.reembed(sp.id, { to: 'builtin', onProgress: (p) => prog.push(p) });
  assert.equal(re.model, 'kspace-builtin-v1');
  assert.ok(prog.length > 0);
  assert.equal((await s.getSpace(sp.id)).embeddingModel, 'kspace-builtin-v1');
  assert.ok((await s.search(sp.id, 'sourdough', { mode: 'vector' })).length > 0);
  await s.reembed(sp.id);
  assert.equal((await s.getSpace(sp.id)).embeddingModel, 'test-hash-64');
  await s.close();
  // Without the embedder: full text works, vectors are a clear error.
  s = await openStore({ path: file });
  assert.ok((await s.search(sp.id, 'sourdough', { mode: 'text' })).length > 0);
  await rejectsWith(s.search(sp.id, 'sourdough'), 'FAILED_PRECONDITION', 'mode');
  await s.close();
  // A broken embedder: the job fails with a typed error and the sources say why.
  const broken = { ...embedder, id: 'broken-64', embed: (texts) => texts.map(() => [1, 2, 3]) };
  s = await openStore({ path: file, embedder: broken });
  const bs = await s.createSpace({ title: 'broken' });
  await rejectsWith(s.ingest(bs.id, notes.slice(0, 2)), 'INVALID_ARGUMENT', 'embedder');
  const failed = await s.listSources(bs.id);
  assert.ok(failed.length === 2 && failed.every((x) => x.status === 'failed' && /embedder/.test(x.errorMessage)));
  const nan = { ...embedder, id: 'nan-64', embed: (texts) => texts.map(() => new Array(64).fill(NaN)) };
  await s.close();
  s = await openStore({ path: file, embedder: nan });
  const ns = await s.createSpace({ title: 'nan' });
  await rejectsWith(s.ingest(ns.id, notes.slice(0, 1)), 'INVALID_ARGUMENT', 'embedder');
  await s.close();
  await rejectsWith(openStore({ path: file, embedder: { id: 'x', dimensions: 0, embed() {} } }), 'INVALID_ARGUMENT', 'embedder.dimensions');
  await rejectsWith(openStore({ path: file, embedder: { id: 'x', dimensions: 3 } }), 'INVALID_ARGUMENT', 'embedder.embed');
});

test('reembed is resumable: cancelled part-way, the space keeps its model; run again, it embeds only the rest', async () => {
  const file = path.join(tempDir(), 'reembed.kspace');
  const embedder = {
    id: 'words-32',
    dimensions: 32,
    embed: (texts) => texts.map((t) => {
      const v = new Array(32).fill(0.01);
      for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) v[[...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % 32] += 1;
      return v;
    }),
  };
  let s = await openStore({ path: file, embedder });
  const sp = await s.createSpace({ title: 'reembed' });
  const { chunks } = await s.ingest(sp.id, notes);
  assert.ok(chunks > 256, `${chunks} chunks: more than one step of 256`);
  const ac = new AbortController();
  const first = [];
  await rejectsWith(s.reembed(sp.id, { to: 'builtin', signal: ac.signal, onProgress: (p) => { first.push(p); ac.abort(); } }), 'CANCELLED');
  assert.ok(first.length >= 1 && first[0].embedded > 0 && first[0].embedded < chunks, JSON.stringify(first));
  // Until the move is complete, the space searches with the model it had.
  assert.equal((await s.getSpace(sp.id)).embeddingModel, 'words-32');
  assert.ok((await s.search(sp.id, 'sourdough starter', { mode: 'vector', k: 3 })).length === 3);
  await s.close();
  // Reopened: the vectors already made are kept, only the rest is embedded.
  s = await openStore({ path: file, embedder });
  const done = await s.reembed(sp.id, { to: 'builtin' });
  assert.equal(done.model, 'kspace-builtin-v1');
  assert.equal(done.embedded, chunks - first.at(-1).embedded);
  assert.equal((await s.getSpace(sp.id)).embeddingModel, 'kspace-builtin-v1');
  const after = await s.search(sp.id, 'sourdough starter', { mode: 'vector', k: 3 });
  assert.ok(after.some((h) => h.sourceTitle.startsWith('sourdough')), after.map((h) => h.sourceTitle).join());
  assert.deepEqual(await s.check(), { ok: true, problems: [] });
  await s.close();
});

test('vector scores are the exact cosine of the stored vectors, in exact order (the index holds int8)', async () => {
  // Vectors that differ by less than int8 can resolve. Item i is 10 on the first axis and
  // x = 0.015 * (i + 1) on an axis of its own; the query is 10 on the first axis and 1 on every
  // other. The exact cosine grows with x (for x < 1), so the exact order is item 59, 58, ...
  // Quantised, the largest component is 10 and one step 0.079 of it, so about five neighbours
  // share a code and, among those, the vector's quantisation scale decides: the lower x wins,
  // the reverse of the exact order. The engine re-scores its candidates with the float32 vectors
  // it stored, so order and scores are the exact ones.
  const dims = 64;
  const vectorOf = (t) => {
    const v = new Array(dims).fill(0);
    v[0] = 10;
    const m = /item (\d+)/.exec(t);
    if (m) v[1 + Number(m[1])] = 0.015 * (Number(m[1]) + 1);
    else v.fill(1, 1);
    return v;
  };
  const embedder = { id: 'test-close-64', dimensions: dims, embed: (texts) => texts.map(vectorOf) };
  const s = await openStore({ path: path.join(tempDir(), 'exact.kspace'), embedder });
  const sp = await s.createSpace({ title: 'close' });
  const items = Array.from({ length: 60 }, (_, i) => ({ title: `t${i}`, text: `item ${i}`, mediaType: 'text', origin: 'paste' }));
  assert.equal((await s.ingest(sp.id, items)).failed, 0);
  const cos = (a, b) => {
    let d = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; ++i) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    return d / Math.sqrt(na * nb);
  };
  const q = vectorOf('zz');
  const expected = items.map((it, i) => ({ title: it.title, score: cos(q, vectorOf(`item ${i}`)) }))
    .sort((a, b) => b.score - a.score);
  for (const k of [1, 10, 25]) {
    const hits = await s.search(sp.id, 'zz', { mode: 'vector', k });
    assert.equal(hits.length, k);
    hits.forEach((h, i) => {
      assert.equal(h.sourceTitle, expected[i].title, `k=${k}, rank ${i}`);
      assert.ok(Math.abs(h.scores.vector.score - expected[i].score) < 1e-5, `${h.scores.vector.score} vs ${expected[i].score}`);
    });
  }
  await s.close();
});

test('new vectors are searchable at once; the worker links them into the graph while idle and saves the snapshot', async () => {
  const other = await store.createSpace({ title: 'Linking' });
  const words = ['river', 'stone', 'lamp', 'cedar', 'orbit', 'violet', 'harbor', 'quartz', 'meadow', 'falcon', 'ember', 'tundra'];
  const docs = Array.from({ length: 1300 }, (_, i) => ({
    title: `n${i}`,
    text: `Note ${i}: ${words[i % 12]} ${words[(i * 7) % 12]} ${words[(i * 5 + 3) % 12]} item${i} code${i * 31} ${words[(i * 11) % 12]}.`,
    mediaType: 'text',
    origin: 'paste',
  }));
  const r = await store.ingest(other.id, docs);
  assert.equal(r.chunks, 1300);
  const query = docs[1234].text;
  const before = await store.search(other.id, query, { k: 5, mode: 'vector' });
  assert.equal(before[0].sourceTitle, 'n1234');
  let stats = await store.spaceStats(other.id);
  assert.equal(stats.index.liveVectors, 1300);
  for (let i = 0; i < 400 && stats.index.unlinkedVectors > 0; i++) {
    await new Promise((res) => setTimeout(res, 25));
    stats = await store.spaceStats(other.id);
  }
  assert.equal(stats.index.unlinkedVectors, 0, 'linked while idle');
  assert.equal(stats.index.snapshotGeneration, stats.index.generation, 'snapshot saved once linked');
  const after = await store.search(other.id, query, { k: 5, mode: 'vector' });
  assert.equal(after[0].sourceTitle, 'n1234');
  assert.deepEqual(after.map((h) => h.chunkId), before.map((h) => h.chunkId));
  // One more note is linked while idle too, but the snapshot of 1300 vectors is not rewritten for
  // it: the log replays it on the next load (closing the store saves it).
  await store.ingest(other.id, { title: 'late', text: 'A late note on quartz harbors and cedar falcons.', mediaType: 'text', origin: 'paste' });
  stats = await store.spaceStats(other.id);
  for (let i = 0; i < 400 && stats.index.unlinkedVectors > 0; i++) {
    await new Promise((res) => setTimeout(res, 25));
    stats = await store.spaceStats(other.id);
  }
  assert.equal(stats.index.unlinkedVectors, 0, 'the late note linked while idle');
  assert.equal(stats.index.liveVectors, 1301);
  assert.equal(stats.index.snapshotGeneration, stats.index.generation - 1, 'one small change does not rewrite the snapshot');
  const late = await store.search(other.id, 'late quartz harbors cedar falcons', { k: 1, mode: 'vector' });
  assert.equal(late[0].sourceTitle, 'late');
  await store.deleteSpace(other.id);
  await store.purgeSpace(other.id);
});

// The ingest pipeline (workers/prep.ts): with more than one batch, a second worker parses and
// embeds batch i+1 while the store commits batch i. The store must end exactly as with one worker.
test('a multi-batch ingest is pipelined through a second worker and equals a one-worker ingest', async () => {
  const RFCS = path.join(ROOT, '..', 'shared', 'data', 'rust-rfcs', 'text');
  const files = fs.readdirSync(RFCS).filter((f) => f.endsWith('.md')).sort().slice(0, 150);
  const docs = [...notes, ...files.map((f) => ({ title: f.replace(/\.md$/, ''), text: fs.readFileSync(path.join(RFCS, f), 'utf8'), mediaType: 'document', origin: 'vault', path: f }))];
  const read = async (s, sp, r) => {
    const rows = new Map();
    for (const src of await s.listSources(sp.id, { limit: 1000 })) {
      const chunks = (await s.listChunks(src.id)).map((c) => [c.chunkIndex, c.chunkType, c.text, c.headingPath, c.tokenCount, c.charStart, c.charEnd]);
      rows.set(src.title, { status: src.status, keywords: src.keywords, summary: src.contentSummary, metadata: src.metadata, numChunks: src.numChunks, chunks });
    }
    const hits = [];
    for (const q of ['borrow checker lifetimes', 'trait objects and generics', 'garden tomatoes']) {
      for (const mode of ['text', 'vector', 'hybrid']) hits.push((await s.search(sp.id, q, { k: 8, mode })).map((h) => [h.sourceTitle, h.text]));
    }
    return { r, rows, hits };
  };
  const snapshot = async (options) => {
    const s = await openStore({ memory: true, ...options });
    try {
      const sp = await s.createSpace({ title: 'P' });
      return await read(s, sp, await s.ingest(sp.id, docs));
    } finally {
      await s.close();
    }
  };
  const piped = await snapshot({});
  const single = await snapshot({ ingestPipeline: false });
  // Two ingests at once into two spaces of one store: the second worker serves one job at a time
  // (it holds one space's statistics), the other runs in the store's worker; both end as alone.
  const both = await openStore({ memory: true });
  try {
    const spaces = [await both.createSpace({ title: 'A' }), await both.createSpace({ title: 'B' })];
    const results = await Promise.all(spaces.map((sp) => both.ingest(sp.id, docs)));
    assert.deepEqual(results.map((r) => r.pipelinedBatches > 0).sort(), [false, true]);
    for (let i = 0; i < 2; i++) {
      const got = await read(both, spaces[i], results[i]);
      for (const [title, want] of single.rows) assert.deepEqual(got.rows.get(title), want, `${spaces[i].title}: ${title}`);
      assert.deepEqual(got.hits, single.hits);
    }
  } finally {
    await both.close();
  }
  assert.ok(piped.r.pipelinedBatches >= 2, `pipelined ${piped.r.pipelinedBatches} batches`);
  assert.equal(single.r.pipelinedBatches, 0);
  assert.equal(piped.r.chunks, single.r.chunks);
  assert.equal(piped.rows.size, docs.length);
  for (const [title, want] of single.rows) assert.deepEqual(piped.rows.get(title), want, title);
  assert.deepEqual(piped.hits, single.hits);
  await rejectsWith(openStore({ memory: true, ingestPipeline: 'yes' }), 'INVALID_ARGUMENT', 'ingestPipeline');
});

// A store file with two spaces whose notes are ingested (their vector indexes are saved when the
// store closes); the second is updated last. Returns the open store and the spaces.
async function twoIndexedSpaces(name, [firstTitle, secondTitle]) {
  const file = path.join(tempDir(), name);
  const s = await openStore({ path: file });
  const first = await s.createSpace({ title: firstTitle });
  await s.ingest(first.id, notes.slice(0, 4));
  const second = await s.createSpace({ title: secondTitle });
  await s.ingest(second.id, notes.slice(4, 8));
  return { file, s, first, second };
}
// The spaces whose vector index is in memory.
const loadedIds = async (st) => (await st.stats()).loadedIndexes.map((x) => x.spaceId);
// Polls until some index is in memory (at most 10 s); returns the spaces whose index is.
async function waitForLoaded(st) {
  let ids = [];
  for (let i = 0; i < 100 && ids.length === 0; i++) {
    await new Promise((res) => setTimeout(res, 100));
    ids = await loadedIds(st);
  }
  return ids;
}

// Warming: soon after opening, the worker loads the vector index of the space updated most
// recently (with a saved index), so the first search does not wait for it; warmIndex(spaceId)
// does the same for a chosen space; warmIndex: false leaves indexes to the first search.
test('the worker loads the most recently updated space\'s index after opening; warmIndex loads a chosen one', async () => {
  let { file, s, first: older, second: newer } = await twoIndexedSpaces('warm.kspace', ['Older', 'Newer']);
  const empty = await s.createSpace({ title: 'Empty' }); // newest, but has no index to load
  await s.close(); // saves both snapshots

  s = await openStore({ path: file });
  try {
    assert.deepEqual(await waitForLoaded(s), [newer.id], 'without a search: the most recently updated space with an index, only');
    const again = await s.warmIndex(newer.id);
    assert.equal(again.alreadyLoaded, true);
    assert.equal(again.vectors, (await s.spaceStats(newer.id)).index.liveVectors);
    const chosen = await s.warmIndex(older.id);
    assert.equal(chosen.spaceId, older.id);
    assert.equal(chosen.alreadyLoaded, false);
    assert.ok(chosen.vectors > 0 && chosen.loadMs >= 0);
    assert.deepEqual((await loadedIds(s)).sort(), [newer.id, older.id].sort());
    // A space without vectors warms to an empty index; bad ids are typed errors.
    assert.equal((await s.warmIndex(empty.id)).vectors, 0);
    await rejectsWith(s.warmIndex('00000000-0000-7000-8000-000000000000'), 'NOT_FOUND', 'spaceId');
    await rejectsWith(s.warmIndex('not an id'), 'INVALID_ARGUMENT', 'spaceId');
    await rejectsWith(s.warmIndex(42), 'INVALID_ARGUMENT', 'spaceId');
    const hits = await s.search(newer.id, 'note', { k: 3 });
    assert.ok(hits.length > 0);
  } finally {
    await s.close();
  }

  s = await openStore({ path: file, warmIndex: false });
  try {
    await new Promise((res) => setTimeout(res, 600));
    assert.deepEqual(await loadedIds(s), [], 'warmIndex: false loads nothing by itself');
    const first = await s.warmIndex();
    assert.equal(first.spaceId, newer.id, 'without an id: the most recently updated space with an index');
    assert.equal(first.alreadyLoaded, false);
  } finally {
    await s.close();
  }
  await rejectsWith(openStore({ path: file, warmIndex: 'yes' }), 'INVALID_ARGUMENT', 'warmIndex');
});

// Closing saves what is only in memory: a vector index whose new vectors the worker had not yet
// linked (and so not yet saved) is saved by close, and the next open loads it instead of
// rebuilding it from the embeddings.
test('close saves a vector index that idle linking had not saved yet', async () => {
  const file = path.join(tempDir(), 'close-saves.kspace');
  let s = await openStore({ path: file });
  const sp = await s.createSpace({ title: 'Unsaved' });
  const words = ['river', 'stone', 'lamp', 'cedar', 'orbit', 'violet', 'harbor', 'quartz'];
  await s.ingest(sp.id, Array.from({ length: 1500 }, (_, i) => ({
    title: `n${i}`, text: `Note ${i}: ${words[i % 8]} ${words[(i * 3) % 8]} item${i}.`, mediaType: 'text', origin: 'paste',
  })));
  assert.ok((await s.spaceStats(sp.id)).index.unlinkedVectors > 0, 'closing while vectors still wait to be linked');
  await s.close();
  s = await openStore({ path: file, warmIndex: false });
  try {
    const stats = await s.spaceStats(sp.id);
    assert.equal(stats.index.liveVectors, 1500);
    assert.equal(stats.index.logEntries, 0, 'nothing left to replay');
    assert.equal(stats.index.snapshotGeneration, stats.index.generation, 'the snapshot saved at close was loaded');
  } finally {
    await s.close();
  }
});

// A search right after opening is answered from the index snapshot without loading it; the worker
// then loads that index while idle, ahead of the space it would have guessed.
test('the index a first search scanned is the one the worker loads next', async () => {
  let { file, s, first: searched } = await twoIndexedSpaces('scan-then-warm.kspace', ['Searched', 'Recent']);
  await s.close();
  s = await openStore({ path: file });
  try {
    const hits = await s.search(searched.id, notes[1].title, { k: 3, mode: 'vector' });
    assert.ok(hits.length > 0);
    // (That the search itself loads nothing is checked natively, SearchesBeforeTheIndexLoadsAnswerAsTheLoadedIndex;
    // here the worker's idle load may already have begun, on a slow machine.)
    assert.deepEqual(await waitForLoaded(s), [searched.id], 'the scanned index, not the most recently updated space\'s');
    assert.equal((await s.warmIndex(searched.id)).alreadyLoaded, true);
    assert.deepEqual(await s.search(searched.id, notes[1].title, { k: 3, mode: 'vector' }), hits, 'same answer from the loaded index');
  } finally {
    await s.close();
  }
});

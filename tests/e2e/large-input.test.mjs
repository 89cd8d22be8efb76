// Very large inputs through the public API (slow, hence here and not in tests/unit): a 50 MB
// document on a single line, and a 5 MB "word" with no break at all. Each must end processed,
// chunked within the token budget, searchable, and leave the store consistent.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, tempDir } from '../helpers/store.mjs';

let store;
let space;
before(async () => {
  store = await kspace.openStore({ path: path.join(tempDir(), 'large.kspace') });
  space = await store.createSpace({ title: 'Large' });
});
after(() => store?.close());

test('a 50 MB single-line document is chunked, indexed and searchable', { timeout: 600000 }, async () => {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'lorem', 'ipsum', 'river', 'stone'];
  const parts = [];
  let n = 0;
  for (let i = 1; n < 50 * 1024 * 1024; i++) {
    const w = `${words[i % 8]}${i % 97} `;
    parts.push(w);
    n += w.length;
  }
  parts.push('needleword');
  const text = parts.join('');
  assert.ok(!text.includes('\n'));
  const r = await store.ingest(space.id, [{ title: 'one line', text, mediaType: 'text', origin: 'paste' }]);
  const src = r.sources[0];
  assert.equal(src.status, 'processed', src.errorMessage ?? '');
  assert.ok(r.chunks > 10000, `${r.chunks} chunks`);
  const chunks = await store.listChunks(src.id);
  assert.equal(chunks.length, r.chunks);
  // Split by the token budget (300 tokens by default): no chunk is anywhere near the line.
  assert.ok(chunks.every((c) => c.tokenCount <= 330 && c.charEnd - c.charStart < 10000));
  // Offsets tile the text in order (with the configured overlap).
  for (let i = 1; i < chunks.length; i++) assert.ok(chunks[i].charStart >= chunks[i - 1].charStart);
  assert.equal(chunks.at(-1).charEnd, text.length);
  const hits = await store.search(space.id, 'needleword', { k: 3, mode: 'text' });
  assert.equal(hits[0]?.sourceId, src.id);
  assert.match(hits[0].snippet, /<mark>needleword<\/mark>/);
  const check = await store.check();
  assert.equal(check.ok, true);
});

test('a 5 MB token with no break is cut into bounded chunks', { timeout: 300000 }, async () => {
  const text = 'x'.repeat(5 * 1024 * 1024);
  const r = await store.ingest(space.id, [{ title: 'one token', text, mediaType: 'text', origin: 'paste' }]);
  assert.equal(r.sources[0].status, 'processed', r.sources[0].errorMessage ?? '');
  const chunks = await store.listChunks(r.sources[0].id);
  assert.ok(chunks.length > 1000, `${chunks.length} chunks`);
  assert.ok(chunks.every((c) => c.charEnd - c.charStart <= 4096));
  assert.equal(chunks.at(-1).charEnd, text.length);
});

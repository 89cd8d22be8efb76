// Memories through the public API: scopes, importance, tags, entities, soft delete and restore,
// text and vector search with relevance = 0.7 x similarity + 0.3 x importance (configurable),
// remember from a message, and memories reaching the chat prompt.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, rejectsWith, tempDir } from '../helpers/store.mjs';

const { openStore } = kspace;
let store;
let space;
let other;

before(async () => {
  store = await openStore({ path: path.join(tempDir(), 'mem.kspace') });
  space = await store.createSpace({ title: 'Rust' });
  other = await store.createSpace({ title: 'Garden' });
});
after(() => store?.close());

test('add, get, list, update, delete, restore', async () => {
  const m = await store.memories.add({ scope: 'user', content: 'I prefer examples in Rust', importance: 0.8, tags: ['style'], entities: { concepts: ['Rust'] } });
  assert.equal(m.scope, 'user');
  assert.equal(m.spaceId, null);
  assert.equal(m.importance, 0.8);
  assert.deepEqual(m.tags, ['style']);
  assert.deepEqual(m.entities, { concepts: ['Rust'] });
  const s = await store.memories.add({ spaceId: space.id, content: 'The project targets the 2021 edition', tags: ['project'] });
  assert.equal(s.scope, 'space');
  assert.equal(s.importance, 0.5);
  assert.equal((await store.memories.get(m.id)).content, m.content);
  const up = await store.memories.update(m.id, { importance: 0.9, content: 'I prefer examples written in Rust' });
  assert.equal(up.importance, 0.9);
  assert.equal((await store.memories.search('examples written in Rust', { k: 1 }))[0].id, m.id);
  await store.memories.delete(m.id);
  assert.ok(!(await store.memories.list()).some((x) => x.id === m.id));
  assert.ok((await store.memories.list({ includeDeleted: true })).some((x) => x.id === m.id));
  assert.ok(!(await store.memories.search('examples written in Rust')).some((x) => x.id === m.id), 'deleted memories are not found');
  await store.memories.restore(m.id);
  assert.equal((await store.memories.search('examples written in Rust', { k: 1 }))[0].id, m.id, 'restored memories are found again');
  await store.memories.delete(m.id);
  await store.memories.delete(s.id);
});

test('search: relevance = 0.7 x similarity + 0.3 x importance, scopes, tags, weights', async () => {
  const a = await store.memories.add({ content: 'The borrow checker rejects two mutable borrows', importance: 0.1 });
  const b = await store.memories.add({ content: 'The borrow checker rejects two mutable borrows at once', importance: 1.0 });
  const c = await store.memories.add({ spaceId: other.id, content: 'Tomatoes like the borrow checker too', importance: 0.5, tags: ['garden'] });
  const d = await store.memories.add({ spaceId: space.id, content: 'Mutable borrows must be unique', importance: 0.6, tags: ['rules', 'borrow'] });
  const hits = await store.memories.search('borrow checker mutable borrows', { k: 10 });
  for (const h of hits) {
    assert.ok(Math.abs(h.relevance - (0.7 * h.similarity + 0.3 * h.importance)) < 1e-6, 'relevance formula');
    assert.ok(h.similarity >= 0 && h.similarity <= 1.0001);
  }
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].relevance >= hits[i].relevance);
  assert.equal(hits[0].id, b.id, 'importance breaks the near tie');
  const simOnly = await store.memories.search('borrow checker mutable borrows', { weights: { similarity: 1, importance: 0 } });
  for (const h of simOnly) assert.ok(Math.abs(h.relevance - h.similarity) < 1e-6);
  // Space view: the space's memories and user-scoped ones, not other spaces'.
  const inSpace = await store.memories.search('borrow', { spaceId: space.id, k: 50 });
  assert.ok(inSpace.some((h) => h.id === d.id));
  assert.ok(inSpace.some((h) => h.id === a.id));
  assert.ok(!inSpace.some((h) => h.id === c.id));
  const userOnly = await store.memories.search('borrow', { scope: 'user', k: 50 });
  assert.ok(userOnly.every((h) => h.scope === 'user'));
  const tagged = await store.memories.search('borrow', { tags: ['rules'], k: 50 });
  assert.deepEqual(tagged.map((h) => h.id), [d.id]);
  const text = await store.memories.search('tomatoes', { mode: 'text' });
  assert.deepEqual(text.map((h) => h.id), [c.id]);
  assert.equal(text[0].scores.text, 1);
  const imp = await store.memories.search('borrow', { minImportance: 0.9, k: 50 });
  assert.deepEqual(imp.map((h) => h.id), [b.id]);
  for (const m of [a, b, c, d]) await store.memories.delete(m.id);
});

test('remember a chat message; memories reach the prompt of later answers', async () => {
  await store.addSource(space.id, { title: 'Edition', text: 'Editions bundle language changes. The 2021 edition changed closures to capture disjoint fields.', mediaType: 'text', origin: 'paste' });
  const chat = await store.chat.createSession(space.id);
  const msg = await store.chat.append(chat.id, { text: 'Always answer with short code examples about closures.' });
  const mem = await store.memories.remember(msg.id, { importance: 0.95, tags: ['style'] });
  assert.equal(mem.sourceType, 'chat');
  assert.equal(mem.sourceRef.messageId, msg.id);
  assert.equal(mem.scope, 'space');
  assert.equal(mem.spaceId, space.id);
  let retrieval;
  for await (const ev of store.chat.send(chat.id, { text: 'How do closures capture fields in the 2021 edition?' })) {
    if (ev.type === 'retrieval') retrieval = ev;
  }
  assert.ok(retrieval.memories.some((m) => m.id === mem.id), 'the memory was used');
  let noMem;
  for await (const ev of store.chat.send(chat.id, { text: 'How do closures capture fields?', memories: false })) {
    if (ev.type === 'retrieval') noMem = ev;
  }
  assert.equal(noMem.memories.length, 0);
});

test('memories survive reopening (vectors reload from the store)', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'm.kspace');
  let s = await openStore({ path: file });
  const m = await s.memories.add({ content: 'Reopened stores keep their memories about lifetimes', importance: 0.4 });
  await s.close();
  s = await openStore({ path: file });
  const hits = await s.memories.search('memories about lifetimes', { mode: 'vector' });
  assert.equal(hits[0].id, m.id);
  assert.ok(hits[0].scores.vector > 0.3, `cosine ${hits[0].scores.vector}`);
  await rejectsWith(s.memories.restore('0190c2d1-7a3b-7c4d-8e5f-0123456789ab'), 'NOT_FOUND', 'memoryId');
  await s.close();
});

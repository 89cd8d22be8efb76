// Chat through the public API: sessions, branches over the message DAG (with a seeded property
// test against a model), answers from the built-in extractive provider with citations, citation
// degradation when sources go, daily sessions, summaries, agents, and bad input (nothing written).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, rejectsWith, tempDir } from '../helpers/store.mjs';

const { openStore } = kspace;
let store;
let space;
let other;
const DOCS = [
  { title: 'Non-lexical lifetimes', text: '# Non-lexical lifetimes\n\nNon-lexical lifetimes (NLL) make the borrow checker reason about the control-flow graph instead of lexical scopes. A borrow ends at its last use, not at the end of the block. This accepts many programs the old borrow checker rejected.\n\nNLL shipped with the 2018 edition.' },
  { title: 'Async functions', text: '# Async functions\n\nAn async fn returns a future. Awaiting a future suspends the task until the value is ready. Executors poll futures to completion.\n\nBorrowing across an await point keeps the borrow alive inside the future state machine.' },
  { title: 'Traits', text: '# Traits\n\nTraits define shared behaviour. A trait object uses dynamic dispatch through a vtable. Generic functions use static dispatch and monomorphisation.' },
];
let sources;

before(async () => {
  store = await openStore({ path: path.join(tempDir(), 'chat.kspace') });
  space = await store.createSpace({ title: 'Rust' });
  other = await store.createSpace({ title: 'Other' });
  sources = [];
  for (const d of DOCS) sources.push(await store.addSource(space.id, { ...d, mediaType: 'text', origin: 'paste' }));
});
after(() => store?.close());

async function collect(iter) {
  const events = [];
  for await (const ev of iter) events.push(ev);
  return events;
}

test('send streams retrieval, tokens and the stored answer with citations, links and steps', async () => {
  const chat = await store.chat.createSession(space.id, { title: 'Lifetimes' });
  assert.ok(chat.mainBranchId);
  const events = await collect(store.chat.send(chat.id, { text: 'How does NLL change borrow checking?' }));
  assert.equal(events[0].type, 'retrieval');
  assert.ok(events[0].chunks.length >= 1);
  assert.equal(events[0].chunks[0].n, 1);
  assert.equal(events[0].chunks[0].sourceTitle, 'Non-lexical lifetimes');
  const tokens = events.filter((e) => e.type === 'token').map((e) => e.text).join('');
  const done = events.at(-1);
  assert.equal(done.type, 'done');
  assert.equal(done.message.text, tokens, 'the streamed tokens are the stored answer');
  assert.match(done.message.text, /\[1\]/);
  assert.match(done.message.text, /borrow/i);
  assert.equal(done.message.role, 'assistant');
  assert.equal(done.message.status, 'complete');
  assert.equal(done.message.modelVersion, 'kspace-extractive-v1');
  assert.equal(done.query.text, 'How does NLL change borrow checking?');
  assert.equal(done.message.parentId, done.query.id);
  assert.equal(done.query.sequence + 1, done.message.sequence);
  assert.ok(done.message.citations.length >= 1);
  const c = done.message.citations[0];
  assert.equal(c.n, 1);
  assert.equal(c.sourceId, sources[0].id);
  assert.equal(c.deleted, false);
  const retrieved = done.message.metadata.retrievedChunks;
  assert.ok(retrieved.some((r) => r.cited && r.citationNumber === 1));
  const full = await store.chat.message(done.message.id, { includeSteps: true });
  assert.deepEqual(full.steps.map((s) => s.type), ['retrieval', 'final_contribution']);
  const hist = await store.chat.history(chat.mainBranchId);
  assert.deepEqual(hist.map((m) => m.id), [done.query.id, done.message.id]);
  // Deterministic: the same question in another session gives the same answer.
  const chat2 = await store.chat.createSession(space.id);
  const again = (await collect(store.chat.send(chat2.id, { text: 'How does NLL change borrow checking?' }))).at(-1);
  assert.equal(again.message.text, done.message.text);
});

test('fork: tip and fork point at the message, parent branch, is_branch_root, separate histories', async () => {
  const chat = await store.chat.createSession(space.id);
  const first = (await collect(store.chat.send(chat.id, { text: 'What is a trait object?' }))).at(-1);
  const second = (await collect(store.chat.send(chat.id, { text: 'And generics?' }))).at(-1);
  const branch = await store.chat.fork(first.message.id, { title: 'what about async?' });
  assert.equal(branch.tipMessageId, first.message.id);
  assert.equal(branch.forkMessageId, first.message.id);
  assert.equal(branch.parentBranchId, chat.mainBranchId);
  assert.equal((await store.chat.message(first.message.id)).isBranchRoot, true);
  const onBranch = (await collect(store.chat.send(chat.id, { text: 'How do async functions borrow?', branchId: branch.id }))).at(-1);
  assert.equal(onBranch.query.parentId, first.message.id);
  const path1 = await store.chat.history(branch.id);
  assert.deepEqual(path1.map((m) => m.id), [first.query.id, first.message.id, onBranch.query.id, onBranch.message.id]);
  const main = await store.chat.history(chat.mainBranchId);
  assert.deepEqual(main.map((m) => m.id), [first.query.id, first.message.id, second.query.id, second.message.id]);
  assert.equal((await store.chat.history(branch.id, { limit: 2 })).length, 2);
  const renamed = await store.chat.renameBranch(branch.id, 'async');
  assert.equal(renamed.title, 'async');
  const archived = await store.chat.archiveBranch(branch.id);
  assert.equal(archived.status, 'archived');
  await rejectsWith(store.chat.append(chat.id, { text: 'x', branchId: branch.id }), 'FAILED_PRECONDITION', 'branchId');
  assert.equal((await store.chat.branches(chat.id, { includeArchived: false })).length, 1);
  assert.equal((await store.chat.branches(chat.id)).length, 2);
  const fb = await store.chat.setFeedback(second.message.id, 'good');
  assert.equal(fb.feedback, 'good');
  assert.equal((await store.chat.setFeedback(second.message.id, null)).feedback, null);
});

// A tiny deterministic PRNG (mulberry32).
function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('property: random send/fork/append/archive agree with a model of the DAG and branch tips', async () => {
  const rand = rng(20260105);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const chat = await store.chat.createSession(space.id, { title: 'property' });
  const msgs = new Map(); // id -> parent id
  const branches = new Map([[chat.mainBranchId, { tip: null, fork: null, parent: null, archived: false }]]);
  const forkPoints = new Set();
  const pathOf = (tip) => {
    const p = [];
    for (let cur = tip; cur; cur = msgs.get(cur)) p.unshift(cur);
    return p;
  };
  const check = async () => {
    const list = await store.chat.branches(chat.id);
    assert.equal(list.length, branches.size);
    const seen = new Set();
    for (const b of list) {
      const m = branches.get(b.id);
      assert.ok(m, 'unknown branch');
      assert.equal(b.tipMessageId, m.tip);
      assert.equal(b.forkMessageId, m.fork);
      assert.equal(b.parentBranchId, m.parent);
      assert.equal(b.status, m.archived ? 'archived' : 'active');
      const h = await store.chat.history(b.id);
      assert.deepEqual(h.map((x) => x.id), pathOf(m.tip), 'history is the root-to-tip path');
      for (let i = 0; i < h.length; i++) {
        assert.equal(h[i].parentId, i === 0 ? null : h[i - 1].id);
        assert.equal(h[i].isBranchRoot, forkPoints.has(h[i].id));
        seen.add(h[i].id);
      }
    }
    // Every message is reachable from some branch (none lost), and the session counted each once.
    assert.equal(seen.size, msgs.size);
    assert.equal((await store.chat.session(chat.id)).messageCount, msgs.size);
  };
  const live = () => [...branches].filter(([, b]) => !b.archived).map(([id]) => id);
  for (let step = 0; step < 60; step++) {
    const r = rand();
    const target = pick(live());
    if (r < 0.15) {
      const ev = (await collect(store.chat.send(chat.id, { text: `Question ${step} about borrow checking and traits?`, branchId: target }))).at(-1);
      msgs.set(ev.query.id, branches.get(target).tip);
      msgs.set(ev.message.id, ev.query.id);
      branches.get(target).tip = ev.message.id;
    } else if (r < 0.65) {
      const m = await store.chat.append(chat.id, { text: `turn ${step}`, role: rand() < 0.5 ? 'user' : 'assistant', branchId: target });
      assert.equal(m.parentId, branches.get(target).tip);
      msgs.set(m.id, branches.get(target).tip);
      branches.get(target).tip = m.id;
    } else if (r < 0.9 && msgs.size > 0) {
      const from = pick([...msgs.keys()]);
      // Which branch is it on: the earliest branch whose path holds it.
      const on = [...branches].find(([, b]) => pathOf(b.tip).includes(from))[0];
      const b = await store.chat.fork(from, { title: `b${step}` });
      branches.set(b.id, { tip: from, fork: from, parent: on, archived: false });
      forkPoints.add(from);
    } else if (live().length > 1) {
      const victim = pick(live().filter((id) => id !== chat.mainBranchId));
      await store.chat.archiveBranch(victim);
      branches.get(victim).archived = true;
    }
    if (step % 15 === 14) await check();
  }
  await check();
});

test('citations point at chunks that existed; deleting or purging the source degrades them visibly', async () => {
  const s = await store.addSource(space.id, { title: 'Pinning', text: 'Pinning guarantees that a value will not move in memory. Self-referential futures need pinning.', mediaType: 'text', origin: 'paste' });
  const chat = await store.chat.createSession(space.id);
  const done = (await collect(store.chat.send(chat.id, { text: 'Why do futures need pinning?' }))).at(-1);
  const cite = done.message.citations.find((c) => c.sourceId === s.id);
  assert.ok(cite, 'the pinning note is cited');
  const chunk = await store.getChunk(cite.chunkId);
  assert.equal(chunk.contentSourceId, s.id, 'the citation names a chunk of the cited source');
  await store.deleteSource(s.id);
  let m = await store.chat.message(done.message.id);
  let c = m.citations.find((x) => x.chunkId === cite.chunkId);
  assert.equal(c.deleted, true);
  assert.equal(c.purged, false);
  // History writes its citations apart from chat.message: the same answer there.
  assert.deepEqual((await store.chat.history(chat.mainBranchId))[1], m);
  await store.purgeSource(s.id);
  const hist = await store.chat.history(chat.mainBranchId);
  assert.equal(hist.length, 2, 'history still reads');
  m = hist[1];
  c = m.citations.find((x) => x.chunkId === cite.chunkId);
  assert.equal(c.deleted, true);
  assert.equal(c.purged, true);
  assert.match(c.excerpt, /pinning/i, 'the snapshot of the cited text survives');
  assert.equal(m.text, done.message.text);
});

test('purging a source whose text equals a chat message keeps the shared blob; the message still reads', async () => {
  // Messages and sources share the content-addressed blob registry: equal bytes, one blob.
  const text = 'Shared words: a borrow ends at its last use, said twice.';
  const s = await store.addSource(space.id, { title: 'Shared', text, mediaType: 'text', origin: 'paste' });
  const chat = await store.chat.createSession(space.id);
  const m = await store.chat.append(chat.id, { text });
  const blobs = (await store.stats()).blobs;
  await store.deleteSource(s.id);
  const purged = await store.purgeSource(s.id);
  assert.equal(purged.purged, true);
  assert.equal((await store.chat.message(m.id)).text, text);
  const hist = await store.chat.history(chat.mainBranchId);
  assert.deepEqual(hist.map((x) => x.text), [text]);
  const after = (await store.stats()).blobs;
  assert.ok(after >= blobs - 1 && after <= blobs, 'only the bytes no message uses may go');
  assert.equal((await store.check()).ok, true);
});

test('purging a space removes its chats and space memories, keeps user memories and other spaces', async () => {
  const doomed = await store.createSpace({ title: 'doomed' });
  await store.ingest(doomed.id, [{ title: 'n', text: '# Lifetimes\n\nA borrow lasts until its last use.', mediaType: 'text', origin: 'paste' }]);
  const chat = await store.chat.createSession(doomed.id, { title: 'to purge' });
  for await (const ev of store.chat.send(chat.id, { text: 'How long does a borrow last?' })) void ev;
  const msg = (await store.chat.history(chat.mainBranchId))[0];
  await store.chat.fork(msg.id, { title: 'side' });
  await store.memories.add({ scope: 'space', spaceId: doomed.id, content: 'doomed space memory about borrows', importance: 0.5 });
  const keep = await store.memories.add({ scope: 'user', content: 'user memory about borrows', importance: 0.5 });
  await store.deleteSpace(doomed.id);
  const r = await store.purgeSpace(doomed.id);
  assert.equal(r.purged, true);
  await rejectsWith(store.chat.history(chat.mainBranchId), 'NOT_FOUND');
  await rejectsWith(store.chat.message(msg.id), 'NOT_FOUND');
  const found = await store.memories.search('borrows', { k: 10 });
  assert.deepEqual(found.map((m) => m.id).filter((id) => id === keep.id), [keep.id]);
  assert.ok(found.every((m) => m.spaceId !== doomed.id));
  assert.deepEqual(await store.check(), { ok: true, problems: [] });
});

test('getOrCreateSession reuses the day\'s session; ending summarises; sequence numbers', async () => {
  const a = await store.chat.getOrCreateSession(space.id, { now: '2026-01-01T09:00:00Z' });
  assert.equal(a.created, true);
  assert.equal(a.day, '2026-01-01');
  const b = await store.chat.getOrCreateSession(space.id, { now: '2026-01-01T18:00:00Z' });
  assert.equal(b.id, a.id);
  assert.equal(b.created, false);
  const m1 = await store.chat.append(a.id, { text: 'Non-lexical lifetimes let the borrow checker end borrows at their last use.' });
  const m2 = await store.chat.append(a.id, { text: 'The borrow checker with non-lexical lifetimes accepts more programs.', role: 'assistant' });
  assert.deepEqual([m1.sequence, m2.sequence], [1, 2]);
  const c = await store.chat.getOrCreateSession(space.id, { now: '2026-01-02T08:00:00Z' });
  assert.notEqual(c.id, a.id);
  const ended = await store.chat.session(a.id);
  assert.equal(ended.status, 'ended');
  assert.ok(ended.summary.length > 10, 'summary');
  assert.ok(ended.keywords.some((k) => /borrow|lifetime/i.test(k)), `keywords ${ended.keywords}`);
  const listed = await store.chat.sessions({ spaceId: space.id });
  assert.ok(listed.some((s) => s.id === c.id));
  await store.chat.deleteSession(c.id);
  await rejectsWith(store.chat.session(c.id), 'NOT_FOUND', 'sessionId');
});

test('agents: create, list, get, update, delete; a session with an agent uses its system prompt', async () => {
  const ag = await store.agents.create({ name: 'research', agentType: 'research', systemPrompt: 'Be brief.', capabilities: ['document_analysis'], modelConfig: { temperature: 0.2 } });
  assert.equal(ag.name, 'research');
  await rejectsWith(store.agents.create({ name: 'research' }), 'ALREADY_EXISTS', 'name');
  assert.equal((await store.agents.list()).length, 1);
  const up = await store.agents.update(ag.id, { roleDescription: 'finds things' });
  assert.equal(up.roleDescription, 'finds things');
  const chat = await store.chat.createSession(space.id, { agentId: ag.id });
  const done = (await collect(store.chat.send(chat.id, { text: 'What are traits?' }))).at(-1);
  assert.equal(done.message.agentId, ag.id);
  await store.agents.delete(ag.id);
  await rejectsWith(store.agents.get(ag.id), 'NOT_FOUND', 'agentId');
});

test('bad input: typed errors and nothing written', async () => {
  const chat = await store.chat.createSession(space.id);
  const msg = await store.chat.append(chat.id, { text: 'hello' });
  const otherChat = await store.chat.createSession(other.id);
  const UNKNOWN = '0190c2d1-7a3b-7c4d-8e5f-0123456789ab';
  const cases = [
    ['unknown session', () => collect(store.chat.send(UNKNOWN, { text: 'hi' })), 'NOT_FOUND', 'sessionId'],
    ['unknown branch', () => collect(store.chat.send(chat.id, { text: 'hi', branchId: UNKNOWN })), 'NOT_FOUND', 'branchId'],
    ['branch of another session', () => collect(store.chat.send(otherChat.id, { text: 'hi', branchId: chat.mainBranchId })), 'INVALID_ARGUMENT', 'branchId'],
    ['empty text', () => collect(store.chat.send(chat.id, { text: '   ' })), 'INVALID_ARGUMENT', 'text'],
    ['10 MB message', () => collect(store.chat.send(chat.id, { text: 'x'.repeat(10 << 20) })), 'INVALID_ARGUMENT', 'text'],
    ['10 MB append', () => store.chat.append(chat.id, { text: 'x'.repeat(10 << 20) }), 'INVALID_ARGUMENT', 'text'],
    ['unknown provider', () => collect(store.chat.send(chat.id, { text: 'hi', provider: 'nope' })), 'NOT_FOUND', 'provider'],
    ['bad temperature', () => collect(store.chat.send(chat.id, { text: 'hi', temperature: 7 })), 'INVALID_ARGUMENT', 'temperature'],
    ['unknown send field', () => collect(store.chat.send(chat.id, { text: 'hi', colour: 1 })), 'INVALID_ARGUMENT', 'colour'],
    ['unknown message to fork', () => store.chat.fork(UNKNOWN), 'NOT_FOUND', 'messageId'],
    ['fork from another session', () => store.chat.fork(msg.id, { sessionId: otherChat.id }), 'INVALID_ARGUMENT', 'messageId'],
    ['fork on a branch of another session', () => store.chat.fork(msg.id, { branchId: otherChat.mainBranchId }), 'INVALID_ARGUMENT', 'branchId'],
    ['unknown branch history', () => store.chat.history(UNKNOWN), 'NOT_FOUND', 'branchId'],
    ['malformed branch id', () => store.chat.history('nope'), 'INVALID_ARGUMENT', 'branchId'],
    ['unknown message', () => store.chat.message(UNKNOWN), 'NOT_FOUND', 'messageId'],
    ['bad feedback', () => store.chat.setFeedback(msg.id, 'meh'), 'INVALID_ARGUMENT', 'feedback'],
    ['feedback on a user message', () => store.chat.setFeedback(msg.id, 'good'), 'FAILED_PRECONDITION', 'messageId'],
    ['empty branch title', () => store.chat.renameBranch(chat.mainBranchId, ''), 'INVALID_ARGUMENT', 'title'],
    ['session in unknown space', () => store.chat.createSession(UNKNOWN), 'NOT_FOUND', 'spaceId'],
    ['session with unknown agent', () => store.chat.createSession(space.id, { agentId: UNKNOWN }), 'NOT_FOUND', 'agentId'],
    ['plain apiKey to the engine', () => store.providers.set({ name: 'p', kind: 'openai', baseUrl: 'http://127.0.0.1:1', apiKey: 'sk-123' }), 'FAILED_PRECONDITION', 'apiKey'],
    ['provider without baseUrl', () => store.providers.set({ name: 'p', kind: 'openai' }), 'INVALID_ARGUMENT', 'baseUrl'],
    ['memory without content', () => store.memories.add({ scope: 'user' }), 'INVALID_ARGUMENT', 'content'],
    ['importance above 1', () => store.memories.add({ content: 'x', importance: 1.5 }), 'INVALID_ARGUMENT', 'importance'],
    ['NaN importance', () => store.memories.add({ content: 'x', importance: NaN }), 'INVALID_ARGUMENT', 'importance'],
    ['space memory without space', () => store.memories.add({ content: 'x', scope: 'space' }), 'INVALID_ARGUMENT', 'spaceId'],
    ['user memory with a space', () => store.memories.add({ content: 'x', scope: 'user', spaceId: space.id }), 'INVALID_ARGUMENT', 'spaceId'],
    ['unknown memory', () => store.memories.update(UNKNOWN, { importance: 0.1 }), 'NOT_FOUND', 'memoryId'],
    ['remember unknown message', () => store.memories.remember(UNKNOWN), 'NOT_FOUND', 'messageId'],
  ];
  for (const [name, fn, code, field] of cases) {
    const before = await store.digest();
    await rejectsWith(fn(), code, field).catch((e) => {
      throw new Error(`${name}: ${e.message}`);
    });
    assert.equal(await store.digest(), before, `${name}: the store changed although the call failed`);
  }
});

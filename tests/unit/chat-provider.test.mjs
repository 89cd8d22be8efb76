// The OpenAI-compatible provider against a real HTTP server on 127.0.0.1 speaking the streaming
// protocol (server-sent events of chat.completion.chunk): streaming, cancel mid-stream, HTTP
// errors, malformed chunks, a stalled stream, and sealed API keys (never stored in plain text;
// wrong passphrase -> typed error). Failed generations leave a visible failed answer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, rejectsWith, tempDir } from '../helpers/store.mjs';

const { openStore } = kspace;
const KEY = 'sk-test-4f1c9a7e-secret';
const PASS = 'correct horse battery staple';
const dir = tempDir();
const file = path.join(dir, 'provider.kspace');
let server;
let base;
let store;
let space;
let chat;
const requests = [];
const sockets = new Set();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const chunk = (content, extra = {}) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'test-model-1', choices: [{ index: 0, delta: { content }, finish_reason: null }], ...extra })}\n\n`;

function handler(req, res) {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', async () => {
    const route = req.url.split('/')[1];
    requests.push({ route, auth: req.headers.authorization, body: body ? JSON.parse(body) : null });
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
      return;
    }
    if (route === 'e500') {
      res.writeHead(500);
      res.end('upstream exploded');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (route === 'ok') {
      res.write(': keep-alive comment\n\n');
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' } }] })}\n\n`);
      for (const t of ['NLL ends ', 'a borrow ', 'at its last use ', '[1].']) {
        res.write(chunk(t));
        await sleep(5);
      }
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 120, completion_tokens: 9, total_tokens: 129 } })}\n\n`);
      res.end('data: [DONE]\n\n');
    } else if (route === 'slow') {
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        res.write(chunk(`w${i} `));
        await sleep(30);
      }
      res.end('data: [DONE]\n\n');
    } else if (route === 'bad') {
      res.write(chunk('fine '));
      res.write('data: {"choices": [ {not json\n\n');
      res.end();
    } else if (route === 'stall') {
      res.write(chunk('one '));
      // ...and then nothing, with the connection open.
    } else if (route === 'cut') {
      res.write(chunk('half '));
      res.end();
    }
  });
}

before(async () => {
  server = http.createServer(handler);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  store = await openStore({ path: file });
  space = await store.createSpace({ title: 'Rust' });
  await store.addSource(space.id, { title: 'NLL', text: 'Non-lexical lifetimes end a borrow at its last use rather than at the end of the lexical scope.', mediaType: 'text', origin: 'paste' });
  chat = await store.chat.createSession(space.id);
});
after(async () => {
  await store?.close();
  for (const s of sockets) s.destroy();
  server?.close();
});

async function collect(iter) {
  const events = [];
  for await (const ev of iter) events.push(ev);
  return events;
}
async function failing(iter) {
  const events = [];
  try {
    for await (const ev of iter) events.push(ev);
  } catch (e) {
    return { events, error: e };
  }
  throw new Error('the send succeeded');
}

test('keys are sealed: unlock, set with a key, list never shows it', async () => {
  const u = await store.providers.unlock({ passphrase: PASS, iterations: 20000 });
  assert.equal(u.created, true);
  for (const name of ['ok', 'slow', 'bad', 'stall', 'e500', 'cut']) {
    await store.providers.set({ name, kind: 'openai', baseUrl: `${base}/${name}/v1`, model: 'test-model', apiKey: KEY, options: { stallTimeoutMs: 5000 } });
  }
  await store.providers.set({ name: 'nokey', kind: 'openai', baseUrl: `${base}/ok/v1`, model: 'test-model' });
  const list = await store.providers.list();
  assert.equal(list.length, 7);
  assert.equal(list.find((p) => p.name === 'ok').hasKey, true);
  assert.equal(list.find((p) => p.name === 'nokey').hasKey, false);
  assert.ok(!JSON.stringify(list).includes(KEY));
});

test('streaming: tokens arrive as the server sends them; the answer is stored with its citation', async () => {
  const events = await collect(store.chat.send(chat.id, { text: 'When does a borrow end under NLL?', provider: 'ok', temperature: 0.1 }));
  const tokens = events.filter((e) => e.type === 'token').map((e) => e.text);
  assert.deepEqual(tokens, ['NLL ends ', 'a borrow ', 'at its last use ', '[1].']);
  const done = events.at(-1);
  assert.equal(done.type, 'done');
  assert.equal(done.message.text, tokens.join(''));
  assert.equal(done.message.modelVersion, 'test-model-1');
  assert.equal(done.message.citations.length, 1);
  assert.equal(done.message.metadata.performance.token_usage.total_tokens, 129);
  assert.equal(done.message.metadata.generationConfig.temperature, 0.1);
  const req = requests.findLast((r) => r.route === 'ok');
  assert.equal(req.body.stream, true);
  assert.equal(req.body.model, 'test-model');
  assert.equal(req.auth, `Bearer ${KEY}`);
  assert.match(req.body.messages[0].content, /\[1\] NLL/);
  assert.equal(req.body.messages.at(-1).content, 'When does a borrow end under NLL?');
});

async function expectFailure(provider, code, field, extra = {}, signal) {
  const tipBefore = (await store.chat.session(chat.id)).messageCount;
  const { events, error } = await failing(store.chat.send(chat.id, { text: `question for ${provider}`, provider, ...extra }, signal ? { signal } : undefined));
  assert.ok(error instanceof kspace.KspaceError, String(error));
  assert.equal(error.code, code, error.message);
  if (field) assert.equal(error.field, field);
  const failed = events.find((e) => e.type === 'failed');
  assert.ok(failed, 'a failed event');
  assert.equal(failed.message.status, 'failed');
  assert.equal(failed.message.text, '', 'no half message');
  assert.equal(failed.message.error.code, code);
  const hist = await store.chat.history(chat.mainBranchId);
  assert.equal(hist.at(-1).id, failed.message.id, 'the failed answer is visible on the branch');
  assert.equal(hist.at(-1).status, 'failed');
  assert.equal((await store.chat.session(chat.id)).messageCount, tipBefore + 2);
  return { events, error };
}

test('cancel mid-stream: CANCELLED, and a failed answer without partial text', async () => {
  const ac = new AbortController();
  const iter = store.chat.send(chat.id, { text: 'stream slowly', provider: 'slow' }, { signal: ac.signal });
  const events = [];
  let error;
  try {
    for await (const ev of iter) {
      events.push(ev);
      if (events.filter((e) => e.type === 'token').length === 3) ac.abort();
    }
  } catch (e) {
    error = e;
  }
  assert.equal(error?.code, 'CANCELLED');
  const failed = events.find((e) => e.type === 'failed');
  assert.equal(failed.message.error.code, 'CANCELLED');
  assert.equal(failed.message.text, '');
  assert.ok(failed.message.metadata.partialChars > 0);
  assert.ok(events.filter((e) => e.type === 'token').length < 50, 'the stream stopped');
});

test('HTTP errors are typed: 401 (no key) and 500', async () => {
  await expectFailure('nokey', 'FAILED_PRECONDITION', 'apiKey');
  const { error } = await expectFailure('e500', 'IO_ERROR', 'provider');
  assert.match(error.message, /500/);
});

test('a malformed chunk and a cut stream are IO_ERRORs', async () => {
  const { error } = await expectFailure('bad', 'IO_ERROR', 'provider');
  assert.match(error.message, /malformed/);
  await expectFailure('cut', 'IO_ERROR', 'provider');
});

test('a stalled stream times out', async () => {
  const t0 = Date.now();
  const { error } = await expectFailure('stall', 'IO_ERROR', 'provider', { stallTimeoutMs: 300 });
  assert.match(error.message, /sent nothing for 300 ms/);
  assert.ok(Date.now() - t0 < 5000);
});

test('the store file never holds the plain key; a wrong passphrase is a typed error', async () => {
  await store.close();
  const bytes = fs.readFileSync(file);
  assert.ok(!bytes.includes(Buffer.from(KEY)), 'plain key found in the store file');
  assert.ok(bytes.includes(Buffer.from('AES-GCM')), 'the sealed key is there');
  store = await openStore({ path: file });
  // Locked: a provider with a key cannot be used (and says so).
  const { error } = await failing(store.chat.send(chat.id, { text: 'locked?', provider: 'ok' }));
  assert.equal(error.code, 'FAILED_PRECONDITION');
  await rejectsWith(store.providers.unlock({ passphrase: 'wrong passphrase!' }), 'INVALID_ARGUMENT', 'passphrase');
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  await rejectsWith(store.providers.unlock({ key }), 'INVALID_ARGUMENT', 'key');
  await store.providers.unlock({ passphrase: PASS });
  const events = await collect(store.chat.send(chat.id, { text: 'unlocked again', provider: 'ok' }));
  assert.equal(events.at(-1).type, 'done');
});

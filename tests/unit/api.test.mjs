// The public API in Node on a real file, through the worker and the WebAssembly engine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { kspace, rejectsWith, tempDir } from '../helpers/store.mjs';

const { openStore, KspaceError } = kspace;

test('every space and source method works on a file and persists across reopen', async () => {
  const file = path.join(tempDir(), 'my.kspace');
  let store = await openStore({ path: file });
  const space = await store.createSpace({ title: 'Research', description: 'papers', keywords: ['ml', 'ir'] });
  assert.equal(space.title, 'Research');
  assert.deepEqual(space.keywords, ['ml', 'ir']);
  assert.equal(space.storageQuotaBytes, 2 ** 30);
  assert.match(space.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.match(space.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const src = await store.addSource(space.id, {
    title: 'idea', text: '# Hello\r\nworld', mediaType: 'text', origin: 'paste',
    path: 'notes/idea.md', keywords: ['greeting'], metadata: { author: 'me', tags: ['a'] },
  });
  assert.equal(src.title, 'idea');
  assert.equal(src.path, 'notes/idea.md');
  assert.deepEqual(src.metadata, { author: 'me', tags: ['a'] });
  assert.equal(src.keywords[0], 'greeting', 'given keywords come first, then extracted ones');
  assert.equal(src.totalSizeBytes, 14);
  assert.equal(src.status, 'processed');
  assert.match(src.originalBlobHash, /^[0-9a-f]{64}$/);

  const bin = await store.addSource(space.id, {
    title: 'photo', bytes: new Uint8Array([0, 1, 2, 255]), mediaType: 'image', origin: 'upload', mimeType: 'image/png',
  });
  assert.equal(bin.processedBlobHash, null);

  const content = await store.getSourceContent(src.id);
  assert.equal(new TextDecoder().decode(content.bytes), '# Hello\r\nworld');
  const processed = await store.getSourceContent(src.id, { processed: true });
  assert.equal(processed.text, '# Hello\nworld');
  assert.deepEqual([...(await store.getSourceContent(bin.id)).bytes], [0, 1, 2, 255]);

  const updated = await store.updateSpace(space.id, { title: 'Research 2', icon: '📚' });
  assert.equal(updated.title, 'Research 2');
  assert.equal(updated.icon, '📚');
  assert.equal((await store.getSpace(space.id)).documentCount, 2);
  assert.equal((await store.listSources(space.id)).length, 2);
  assert.equal((await store.listSources(space.id, { limit: 1 })).length, 1);
  assert.equal((await store.listSources(space.id, { after: src.id }))[0].id, bin.id);

  await store.deleteSource(bin.id);
  assert.equal((await store.getSpace(space.id)).documentCount, 1);
  assert.equal((await store.listSources(space.id)).length, 1);
  assert.equal((await store.listSources(space.id, { includeDeleted: true })).length, 2);
  await store.restoreSource(bin.id);
  await store.deleteSource(bin.id);
  const purged = await store.purgeSource(bin.id);
  assert.equal(purged.freedBytes, 4);
  await rejectsWith(store.getSource(bin.id), 'NOT_FOUND', 'sourceId');

  const stats = await store.stats();
  assert.equal(stats.spaces, 1);
  assert.equal(stats.sources, 1);
  assert.equal(stats.schemaVersion >= 1, true);
  assert.deepEqual(await store.check(), { ok: true, problems: [] });
  const digest = await store.digest();
  await store.close();
  await rejectsWith(store.listSpaces(), 'CLOSED');
  assert.equal(fs.existsSync(`${file}.lock`), false, 'close releases the lock');

  store = await openStore({ path: file });
  assert.equal(await store.digest(), digest);
  const again = await store.getSource(src.id);
  assert.deepEqual(again, src);
  assert.equal((await store.getSpace(space.id)).title, 'Research 2');

  await store.deleteSpace(space.id);
  assert.equal((await store.listSpaces()).length, 0);
  assert.equal((await store.listSpaces({ includeDeleted: true })).length, 1);
  await rejectsWith(store.addSource(space.id, { title: 't', text: 'x', mediaType: 'text', origin: 'paste' }),
    'FAILED_PRECONDITION', 'spaceId');
  await store.restoreSpace(space.id);
  await store.deleteSpace(space.id);
  await store.purgeSpace(space.id);
  await rejectsWith(store.getSpace(space.id), 'NOT_FOUND');
  assert.equal((await store.stats()).blobs, 0);
  await store.close();
});

test('a second opener of the same file gets STORE_LOCKED at once', async () => {
  const file = path.join(tempDir(), 'locked.kspace');
  const a = await openStore({ path: file });
  const t0 = Date.now();
  await rejectsWith(openStore({ path: file }), 'STORE_LOCKED', 'path');
  assert.ok(Date.now() - t0 < 2000, 'no hang');
  await a.close();
  const b = await openStore({ path: file });
  await b.close();
});

test('a stale lock left by a dead process is taken over', async () => {
  const file = path.join(tempDir(), 'stale.kspace');
  fs.writeFileSync(`${file}.lock`, '999999999\nsomeone\n');
  const s = await openStore({ path: file });
  await s.close();
});

// Node refuses some of its own flags in a worker's execArgv (V8 ones such as --max-old-space-size,
// and --input-type); a store must open whatever flags the process was started with.
test('a store opens from a script given on the command line (node --input-type=module -e), also with V8 flags', () => {
  const url = new URL('../../dist/js/node.js', import.meta.url).href;
  const script = `const { openStore } = await import(${JSON.stringify(url)});
    const s = await openStore({ memory: true });
    const sp = await s.createSpace({ title: 'cli' });
    const r = await s.ingest(sp.id, Array.from({ length: 70 }, (_, i) => ({ title: 'n' + i, text: '# Note ' + i + '\\n\\nSome words about topic ' + i + '.', mediaType: 'text', origin: 'paste' })));
    console.log('spaces', (await s.listSpaces()).length, sp.title, 'sources', r.sources.length);
    await s.close();`;
  for (const flags of [[], ['--max-old-space-size=4096'], ['--expose-gc', '--stack-size=2000'], ['--input-type', 'module']]) {
    const argv = flags.includes('--input-type') ? [...flags, '-e', script] : [...flags, '--input-type=module', '-e', script];
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /spaces 1 cli sources 70/, flags.join(' '));
  }
  // And from a script file (no --input-type: the worker inherits the flags).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kspace-cli-'));
  try {
    const file = path.join(dir, 'open.mjs');
    fs.writeFileSync(file, script);
    const r = spawnSync(process.execPath, ['--max-old-space-size=4096', '--expose-gc', file], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /spaces 1 cli sources 70/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('memory stores work and vanish', async () => {
  const s = await openStore({ memory: true });
  const sp = await s.createSpace({ title: 'tmp' });
  assert.equal((await s.listSpaces())[0].id, sp.id);
  await s.close();
});

test('opening something that is not a store fails with CORRUPT and leaves it alone', async () => {
  const file = path.join(tempDir(), 'junk.kspace');
  const junk = Buffer.alloc(8192, 7);
  fs.writeFileSync(file, junk);
  await rejectsWith(openStore({ path: file }), 'CORRUPT');
  assert.deepEqual(fs.readFileSync(file), junk);
  assert.equal(fs.existsSync(`${file}.lock`), false);
});

test('KspaceError is exported and carries code and field', async () => {
  const s = await openStore({ memory: true });
  const err = await rejectsWith(s.createSpace({ title: '' }), 'INVALID_ARGUMENT', 'title');
  assert.ok(err instanceof KspaceError);
  assert.ok(err instanceof Error);
  await s.close();
});

test('addSources writes a batch in one transaction: all or nothing', async () => {
  const s = await openStore({ memory: true });
  const space = await s.createSpace({ title: 'batch', storageQuotaBytes: 1000 });
  const added = await s.addSources(space.id, [
    { title: 'a', text: 'alpha', mediaType: 'text', origin: 'paste' },
    { title: 'b', bytes: new Uint8Array([1, 2, 3]), mediaType: 'image', origin: 'upload' },
    { title: 'c', text: 'gamma ✓', mediaType: 'document', origin: 'vault', path: 'c.md' },
  ]);
  assert.deepEqual(added.map((x) => x.title), ['a', 'b', 'c']);
  assert.deepEqual(added.map((x) => x.totalSizeBytes), [5, 3, 9]);
  assert.equal(new TextDecoder().decode((await s.getSourceContent(added[2].id)).bytes), 'gamma ✓');
  assert.equal((await s.getSpace(space.id)).documentCount, 3);
  const digest = await s.digest();
  await rejectsWith(s.addSources(space.id, [
    { title: 'ok', text: 'fine', mediaType: 'text', origin: 'paste' },
    { title: 'bad', text: 'x', mediaType: 'pdf', origin: 'paste' },
  ]), 'INVALID_ARGUMENT', 'sources[1].mediaType');
  await rejectsWith(s.addSources(space.id, [
    { title: 'big', text: 'y'.repeat(600), mediaType: 'text', origin: 'paste' },
    { title: 'big2', text: 'z'.repeat(600), mediaType: 'text', origin: 'paste' },
  ]), 'QUOTA_EXCEEDED', 'sources');
  await rejectsWith(s.addSources(space.id, [{ title: 'e', text: '', mediaType: 'text', origin: 'paste' }]), 'INVALID_ARGUMENT', 'sources[0].text');
  await rejectsWith(s.addSources(space.id, []), 'INVALID_ARGUMENT', 'sources');
  assert.equal(await s.digest(), digest);
  await s.close();
});

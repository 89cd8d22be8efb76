// Bad input: every case returns its typed error, and the store's digest before equals the digest
// after (nothing was written).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, rejectsWith, tempDir } from '../helpers/store.mjs';

const { openStore } = kspace;
let store;
let space;
let small;
let deleted;
let image;

before(async () => {
  store = await openStore({ path: path.join(tempDir(), 'bad.kspace') });
  space = await store.createSpace({ title: 'Main' });
  small = await store.createSpace({ title: 'Tiny', storageQuotaBytes: 10 });
  deleted = await store.createSpace({ title: 'Gone' });
  await store.deleteSpace(deleted.id);
  image = await store.addSource(space.id, { title: 'img', bytes: new Uint8Array([1, 2, 3]), mediaType: 'image', origin: 'upload' });
});

after(async () => {
  await store?.close();
});

const note = (extra = {}) => ({ title: 'n', text: 'hello', mediaType: 'text', origin: 'paste', ...extra });
const UNKNOWN = '0190c2d1-7a3b-7c4d-8e5f-0123456789ab';

const cases = [
  ['createSpace without a title', () => store.createSpace({}), 'INVALID_ARGUMENT', 'title'],
  ['empty title', () => store.createSpace({ title: '' }), 'INVALID_ARGUMENT', 'title'],
  ['whitespace title', () => store.createSpace({ title: ' \n\t ' }), 'INVALID_ARGUMENT', 'title'],
  ['100 KB title', () => store.createSpace({ title: 'x'.repeat(100 * 1024) }), 'INVALID_ARGUMENT', 'title'],
  ['title with a lone surrogate', () => store.createSpace({ title: 'bad \uD800 title' }), 'INVALID_ARGUMENT', 'title'],
  ['numeric title', () => store.createSpace({ title: 42 }), 'INVALID_ARGUMENT', 'title'],
  ['title with NUL', () => store.createSpace({ title: 'a\u0000b' }), 'INVALID_ARGUMENT', 'title'],
  ['NaN quota', () => store.createSpace({ title: 't', storageQuotaBytes: NaN }), 'INVALID_ARGUMENT', 'storageQuotaBytes'],
  ['Infinity quota', () => store.createSpace({ title: 't', storageQuotaBytes: Infinity }), 'INVALID_ARGUMENT', 'storageQuotaBytes'],
  ['negative quota', () => store.createSpace({ title: 't', storageQuotaBytes: -1 }), 'INVALID_ARGUMENT', 'storageQuotaBytes'],
  ['fractional quota', () => store.createSpace({ title: 't', storageQuotaBytes: 1.5 }), 'INVALID_ARGUMENT', 'storageQuotaBytes'],
  ['string quota', () => store.createSpace({ title: 't', storageQuotaBytes: '100' }), 'INVALID_ARGUMENT', 'storageQuotaBytes'],
  ['unknown field', () => store.createSpace({ title: 't', colour: 'red' }), 'INVALID_ARGUMENT', 'colour'],
  ['input that is not an object', () => store.createSpace('Research'), 'INVALID_ARGUMENT', 'input'],
  ['bigint in input', () => store.createSpace({ title: 't', storageQuotaBytes: 10n }), 'INVALID_ARGUMENT', 'storageQuotaBytes'],
  ['malformed space id', () => store.getSpace('not-a-uuid'), 'INVALID_ARGUMENT', 'spaceId'],
  ['unknown space id', () => store.getSpace(UNKNOWN), 'NOT_FOUND', 'spaceId'],
  ['space id of the wrong type', () => store.getSpace({ id: 1 }), 'INVALID_ARGUMENT', 'spaceId'],
  ['bad access level', () => store.updateSpace(space.id, { accessLevel: 'secret' }), 'INVALID_ARGUMENT', 'accessLevel'],
  ['keywords not a list', () => store.updateSpace(space.id, { keywords: 'a,b' }), 'INVALID_ARGUMENT', 'keywords'],
  ['keyword of the wrong type', () => store.updateSpace(space.id, { keywords: ['a', 7] }), 'INVALID_ARGUMENT', 'keywords[1]'],
  ['quota below usage', () => store.updateSpace(space.id, { storageQuotaBytes: 1 }), 'QUOTA_EXCEEDED', 'storageQuotaBytes'],
  ['bad expiry date', () => store.updateSpace(space.id, { guestAccessExpiry: 'tomorrow' }), 'INVALID_ARGUMENT', 'guestAccessExpiry'],
  ['update of a deleted space', () => store.updateSpace(deleted.id, { title: 'x' }), 'FAILED_PRECONDITION', 'spaceId'],
  ['source without a title', () => store.addSource(space.id, note({ title: undefined })), 'INVALID_ARGUMENT', 'title'],
  ['unknown media type', () => store.addSource(space.id, note({ mediaType: 'pdf' })), 'INVALID_ARGUMENT', 'mediaType'],
  ['unknown origin', () => store.addSource(space.id, note({ origin: 'ftp' })), 'INVALID_ARGUMENT', 'origin'],
  ['text and bytes together', () => store.addSource(space.id, note({ bytes: new Uint8Array(1) })), 'INVALID_ARGUMENT', 'text'],
  ['neither text nor bytes', () => store.addSource(space.id, note({ text: undefined })), 'INVALID_ARGUMENT', 'text'],
  ['empty text', () => store.addSource(space.id, note({ text: '' })), 'INVALID_ARGUMENT', 'text'],
  ['0-byte source', () => store.addSource(space.id, note({ text: undefined, bytes: new Uint8Array(0) })), 'INVALID_ARGUMENT', 'bytes'],
  ['100 MB source', () => store.addSource(space.id, note({ text: undefined, bytes: new Uint8Array(100 * 1024 * 1024) })), 'TOO_LARGE', 'bytes'],
  ['bytes as a plain array', () => store.addSource(space.id, note({ text: undefined, bytes: [1, 2, 3] })), 'INVALID_ARGUMENT', 'bytes'],
  ['text with a lone surrogate', () => store.addSource(space.id, note({ text: 'a\uDC00b' })), 'INVALID_ARGUMENT', 'text'],
  ['metadata that is not an object', () => store.addSource(space.id, note({ metadata: [1, 2] })), 'INVALID_ARGUMENT', 'metadata'],
  ['NaN inside metadata', () => store.addSource(space.id, note({ metadata: { score: NaN } })), 'INVALID_ARGUMENT', 'metadata.score'],
  ['function inside metadata', () => store.addSource(space.id, note({ metadata: { f() {} } })), 'INVALID_ARGUMENT', 'metadata.f'],
  ['bad MIME type', () => store.addSource(space.id, note({ mimeType: 'text plain' })), 'INVALID_ARGUMENT', 'mimeType'],
  ['write into a deleted space', () => store.addSource(deleted.id, note()), 'FAILED_PRECONDITION', 'spaceId'],
  ['write into an unknown space', () => store.addSource(UNKNOWN, note()), 'NOT_FOUND', 'spaceId'],
  ['over the space quota', () => store.addSource(small.id, note({ text: 'more than ten bytes' })), 'QUOTA_EXCEEDED', 'text'],
  ['listSources limit 0', () => store.listSources(space.id, { limit: 0 }), 'INVALID_ARGUMENT', 'limit'],
  ['listSources limit 1e9', () => store.listSources(space.id, { limit: 1e9 }), 'INVALID_ARGUMENT', 'limit'],
  ['listSources unknown option', () => store.listSources(space.id, { sort: 'title' }), 'INVALID_ARGUMENT', 'sort'],
  ['processed text of an image', () => store.getSourceContent(image.id, { processed: true }), 'FAILED_PRECONDITION', 'processed'],
  ['malformed source id', () => store.deleteSource('123'), 'INVALID_ARGUMENT', 'sourceId'],
  ['purge of a live space', () => store.purgeSpace(space.id), 'FAILED_PRECONDITION', 'spaceId'],
  ['purge of a live source', () => store.purgeSource(image.id), 'FAILED_PRECONDITION', 'sourceId'],
];

for (const [name, call, code, field] of cases) {
  test(`bad input: ${name} -> ${code}`, async () => {
    const before = await store.digest();
    await rejectsWith(call(), code, field);
    assert.equal(await store.digest(), before, 'the store changed although the call failed');
  });
}

test('text with SQL and HTML in it is stored and returned verbatim', async () => {
  const nasty = `'); DROP TABLE spaces; -- <script>alert("x")</script> \u0000? no: ${'"'}quoted${'"'} & <b>bold</b>`.replace('\u0000', '');
  const s = await store.addSource(space.id, note({ title: `<img src=x onerror=alert(1)> '; DELETE FROM content_sources; --`, text: nasty }));
  assert.equal((await store.getSource(s.id)).title, `<img src=x onerror=alert(1)> '; DELETE FROM content_sources; --`);
  assert.equal(new TextDecoder().decode((await store.getSourceContent(s.id)).bytes), nasty);
  assert.ok((await store.listSpaces()).length >= 2, 'tables intact');
});

test('invalid UTF-8 in a text file is accepted with replacement characters in the processed text', async () => {
  const bytes = new Uint8Array([0x68, 0x69, 0xff, 0xfe, 0x20, 0xc3, 0x28, 0x21]);
  const s = await store.addSource(space.id, { title: 'broken', bytes, mediaType: 'text', origin: 'upload', mimeType: 'text/plain' });
  const original = await store.getSourceContent(s.id);
  assert.deepEqual([...original.bytes], [...bytes], 'original bytes are kept exactly');
  const processed = await store.getSourceContent(s.id, { processed: true });
  assert.ok(processed.text.includes('\uFFFD'));
  assert.ok(processed.text.startsWith('hi'));
});

test('openStore rejects bad options', async () => {
  await rejectsWith(openStore({}), 'INVALID_ARGUMENT', 'path');
  await rejectsWith(openStore({ path: '' }), 'INVALID_ARGUMENT', 'path');
  await rejectsWith(openStore({ name: 'browser-only' }), 'INVALID_ARGUMENT', 'name');
  await rejectsWith(openStore({ memory: true, path: 'x' }), 'INVALID_ARGUMENT', 'path');
  await rejectsWith(openStore({ memory: true, maxSourceBytes: -5 }), 'INVALID_ARGUMENT', 'maxSourceBytes');
  await rejectsWith(openStore({ memory: true, cache: 1 }), 'INVALID_ARGUMENT', 'cache');
  await rejectsWith(openStore(undefined), 'INVALID_ARGUMENT', 'options');
});

test('calls after close fail with CLOSED', async () => {
  const s = await openStore({ memory: true });
  await s.close();
  await rejectsWith(s.createSpace({ title: 'x' }), 'CLOSED');
  await rejectsWith(s.stats(), 'CLOSED');
  await s.close(); // closing twice is fine
});

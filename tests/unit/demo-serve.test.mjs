// The demo's static server (demo/serve.mjs): content types, and the revalidation that lets a
// browser keep its compiled code for kspace.wasm between visits (ETag -> 304).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers/store.mjs';
import { serve } from '../../demo/serve.mjs';

let server;
let url;
let dir;
before(async () => {
  dir = tempDir('kspace-serve-');
  fs.writeFileSync(`${dir}/index.html`, '<!doctype html><title>t</title>');
  fs.writeFileSync(`${dir}/m.wasm`, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  ({ server, url } = await serve(dir));
});
after(() => server?.close());

test('the demo server revalidates with an ETag: 304 while unchanged, 200 with a new tag after a change', async () => {
  const first = await fetch(`${url}m.wasm`);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('content-type'), 'application/wasm');
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  const etag = first.headers.get('etag');
  assert.match(etag ?? '', /^"[0-9a-z]+-[0-9a-z]+"$/);
  assert.equal((await first.arrayBuffer()).byteLength, 8);

  const again = await fetch(`${url}m.wasm`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await again.arrayBuffer()).byteLength, 0);

  fs.writeFileSync(`${dir}/m.wasm`, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0]));
  const changed = await fetch(`${url}m.wasm`, { headers: { 'if-none-match': etag } });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal((await changed.arrayBuffer()).byteLength, 9);
});

test('the demo server serves index.html for a directory, 404 for a missing file', async () => {
  const root = await fetch(url);
  assert.equal(root.status, 200);
  assert.match(root.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await root.text(), /<title>t<\/title>/);
  const missing = await fetch(`${url}nope.js`);
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();
});

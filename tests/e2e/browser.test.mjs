// The client in a real browser: the engine in a dedicated worker, the store on OPFS.
// Create a space and sources, reload, and they are there; a second tab gets STORE_LOCKED; the
// demo page works through its UI; no console errors anywhere.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, newProfile, watchErrors } from '../helpers/browser.mjs';
import { ROOT } from '../helpers/store.mjs';
import { serve } from '../../demo/serve.mjs';

let server;
let url;
const errors = [];

before(async () => {
  ({ server, url } = await serve(path.join(ROOT, 'build', 'site')));
});
after(() => server?.close());

// Runs in the page: opens the store by name through the package entry.
const useStore = async (page, fn, arg) => page.evaluate(async ([src, a]) => {
  const { openStore } = await import('./dist/js/index.js');
  // eslint-disable-next-line no-new-func
  return new Function('openStore', 'arg', `return (${src})(openStore, arg);`)(openStore, a);
}, [fn.toString(), arg]);

test('spaces and sources persist in OPFS across a reload and a browser restart', { timeout: 120000 }, async () => {
  const profile = newProfile();
  let ctx = await launch(profile);
  try {
    const page = await ctx.newPage();
    watchErrors(page, errors);
    await page.goto(`${url}?test=1`);
    const created = await useStore(page, async (openStore) => {
      const store = await openStore({ name: 'e2e' });
      const space = await store.createSpace({ title: 'Browser space' });
      const note = await store.addSource(space.id, { title: 'note', text: '# Hello from OPFS', mediaType: 'text', origin: 'paste' });
      const bin = await store.addSource(space.id, { title: 'bin', bytes: new Uint8Array([9, 8, 7]), mediaType: 'image', origin: 'upload' });
      window.e2eStore = store; // keep it open: the reload below kills the worker mid-life
      return { spaceId: space.id, noteId: note.id, binId: bin.id, digest: await store.digest() };
    });
    await page.reload();
    const after1 = await useStore(page, async (openStore, ids) => {
      const store = await openStore({ name: 'e2e' });
      const spaces = await store.listSpaces();
      const sources = await store.listSources(ids.spaceId);
      const text = (await store.getSourceContent(ids.noteId, { processed: true })).text;
      const bytes = [...(await store.getSourceContent(ids.binId)).bytes];
      const check = await store.check();
      const digest = await store.digest();
      window.e2eStore = store;
      return { titles: spaces.map((s) => s.title), count: sources.length, text, bytes, check, digest };
    }, created);
    assert.deepEqual(after1.titles, ['Browser space']);
    assert.equal(after1.count, 2);
    assert.equal(after1.text, '# Hello from OPFS');
    assert.deepEqual(after1.bytes, [9, 8, 7]);
    assert.deepEqual(after1.check, { ok: true, problems: [] });
    assert.equal(after1.digest, created.digest);

    // A second tab on the same store is refused at once, with the typed error.
    const page2 = await ctx.newPage();
    watchErrors(page2, errors);
    await page2.goto(`${url}?test=2`);
    const second = await useStore(page2, async (openStore) => {
      const t0 = performance.now();
      try {
        await openStore({ name: 'e2e' });
        return { code: 'OPENED' };
      } catch (e) {
        return { code: e.code, name: e.name, ms: performance.now() - t0 };
      }
    });
    assert.equal(second.code, 'STORE_LOCKED');
    assert.equal(second.name, 'KspaceError');
    assert.ok(second.ms < 3000, `refused quickly (${second.ms} ms)`);
    // Once the first tab closes its store, the second can open it.
    await page.evaluate(() => window.e2eStore.close());
    const reopened = await useStore(page2, async (openStore) => {
      const s = await openStore({ name: 'e2e' });
      const n = (await s.listSpaces()).length;
      await s.close();
      return n;
    });
    assert.equal(reopened, 1);
  } finally {
    await ctx.close();
  }

  // Browser restart with the same profile: still there.
  ctx = await launch(profile);
  try {
    const page = await ctx.newPage();
    watchErrors(page, errors);
    await page.goto(`${url}?test=3`);
    const titles = await useStore(page, async (openStore) => {
      const s = await openStore({ name: 'e2e' });
      const t = (await s.listSpaces()).map((x) => x.title);
      await s.close();
      return t;
    });
    assert.deepEqual(titles, ['Browser space']);
  } finally {
    await ctx.close();
  }
});

// More than one batch: the store's worker starts a nested worker (workers/prep-worker.bundle.js) that
// parses and embeds the next batch while it commits one; the store ends as with one worker.
test('a multi-batch ingest runs pipelined in a nested worker on OPFS and equals a one-worker ingest', { timeout: 120000 }, async () => {
  const ctx = await launch(newProfile());
  try {
    const page = await ctx.newPage();
    watchErrors(page, errors);
    const requested = [];
    ctx.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${url}?test=pipe`);
    const runs = await useStore(page, async (openStore) => {
      const words = ['borrow', 'lifetime', 'garden', 'tomato', 'river', 'granite', 'violin', 'comet', 'lantern', 'harbor', 'pepper', 'quartz'];
      const docs = [];
      for (let i = 0; i < 150; i++) {
        const w = (k) => words[(i * 7 + k * 5) % words.length];
        const para = (k) => `The ${w(k)} and the ${w(k + 1)} meet near the ${w(k + 2)}; note ${i} keeps ${w(k + 3)} records of ${w(k)}s.`;
        docs.push({ title: `note ${i}`, text: `# Note ${i} on ${w(0)}\n\n${para(0)} ${para(1)}\n\n## ${w(2)}\n\n${para(2)} ${para(3)}\n`, mediaType: 'text', origin: 'paste' });
      }
      const out = [];
      for (const [name, pipeline] of [['e2e-pipe-on', true], ['e2e-pipe-off', false]]) {
        const store = await openStore({ name, ingestPipeline: pipeline });
        const space = await store.createSpace({ title: 'P' });
        const r = await store.ingest(space.id, docs);
        const rows = (await store.listSources(space.id, { limit: 1000 }))
          .map((x) => [x.title, x.status, x.numChunks, x.keywords.join('|'), x.contentSummary])
          .sort((a, b) => (a[0] < b[0] ? -1 : 1));
        const hits = (await store.search(space.id, 'granite violin records', { k: 5 })).map((h) => h.sourceTitle);
        await store.close();
        out.push({ pipelined: r.pipelinedBatches, chunks: r.chunks, rows, hits });
      }
      return out;
    });
    const [on, off] = runs;
    assert.ok(on.pipelined >= 2, `pipelined ${on.pipelined} batches`);
    assert.equal(off.pipelined, 0);
    assert.equal(on.rows.length, 150);
    assert.ok(on.rows.every((r) => r[1] === 'processed'));
    assert.equal(on.chunks, off.chunks);
    assert.deepEqual(on.rows, off.rows);
    assert.deepEqual(on.hits, off.hits);
    // The page fetched and compiled the engine once for both stores and the nested worker, and the
    // workers ran as their bundles: no worker started by fetching its module graph.
    assert.equal(requested.filter((p) => p.endsWith('/kspace.wasm')).length, 1, requested.join(' '));
    assert.ok(requested.some((p) => p.endsWith('/workers/worker.bundle.js')), requested.join(' '));
    assert.ok(requested.some((p) => p.endsWith('/workers/prep-worker.bundle.js')), requested.join(' '));
    assert.ok(!requested.some((p) => p.endsWith('/workers/host.js') || p.endsWith('/workers/prep.js')), requested.join(' '));
  } finally {
    await ctx.close();
  }
});

// A static host that sends kspace.wasm with a generic content type: WebAssembly.compileStreaming
// refuses it, so the page compiles from the bytes instead, and the store works all the same.
test('a store opens where the server sends kspace.wasm as application/octet-stream', { timeout: 120000 }, async () => {
  const proxy = http.createServer(async (req, res) => {
    const up = await fetch(new URL(req.url ?? '/', url));
    const body = Buffer.from(await up.arrayBuffer());
    const type = (req.url ?? '').split('?')[0].endsWith('.wasm') ? 'application/octet-stream' : up.headers.get('content-type') ?? 'text/plain';
    res.writeHead(up.status, { 'content-type': type }).end(body);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const ctx = await launch(newProfile());
  try {
    const page = await ctx.newPage();
    const wasm = [];
    ctx.on('request', (r) => {
      if (r.url().endsWith('/kspace.wasm')) wasm.push(r.url());
    });
    await page.goto(`http://127.0.0.1:${proxy.address().port}/?test=mime`);
    const hits = await useStore(page, async (openStore) => {
      const store = await openStore({ memory: true });
      const space = await store.createSpace({ title: 'M' });
      await store.ingest(space.id, { title: 'mime', text: 'Octet streams still compile.', mediaType: 'text', origin: 'paste' });
      const found = await store.search(space.id, 'octet', { k: 3 });
      await store.close();
      return found.map((h) => h.sourceTitle);
    });
    assert.deepEqual(hits, ['mime']);
    // The streaming attempt and the fallback's fetch, both from the page; the worker fetched none.
    assert.equal(wasm.length, 2, wasm.join(' '));
  } finally {
    await ctx.close();
    proxy.close();
  }
});

test('the demo page: sample space, create a space, add a note, reload, still listed', { timeout: 120000 }, async () => {
  const ctx = await launch();
  try {
    const page = await ctx.newPage();
    watchErrors(page, errors);
    await page.goto(url);
    await page.getByRole('button', { name: /Sample space/ }).waitFor({ timeout: 30000 });
    await page.locator('[data-testid=sources] li').first().waitFor();
    assert.ok(await page.locator('[data-testid=sources] li').count() >= 8, 'the sample notes are listed');

    await page.getByLabel('Space title').fill('My research');
    await page.getByRole('button', { name: 'Create space' }).click();
    await page.getByRole('heading', { name: 'My research' }).waitFor();
    await page.getByLabel('Note title').fill('First idea');
    await page.getByLabel('Note text').fill('Knowledge grows by **linking**.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('[data-testid=sources] li', { hasText: 'First idea' }).waitFor();

    // A dropped file (through the file input) is added too.
    await page.locator('[data-testid=drop] input[type=file]').setInputFiles({
      name: 'dropped.md', mimeType: 'text/markdown', buffer: Buffer.from('# Dropped\n\nfrom disk'),
    });
    await page.locator('[data-testid=sources] li', { hasText: 'dropped.md' }).waitFor();

    await page.reload();
    await page.getByRole('button', { name: /My research/ }).click();
    await page.locator('[data-testid=sources] li', { hasText: 'First idea' }).waitFor();
    assert.equal(await page.locator('[data-testid=sources] li').count(), 2);

    // A bad input shows its typed error in the page rather than breaking it.
    await page.getByLabel('Note title').fill('');
    await page.getByLabel('Note text').fill('text without a title');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('status').filter({ hasText: 'INVALID_ARGUMENT' }).waitFor();
  } finally {
    await ctx.close();
  }
});

test('no console errors or uncaught page errors', () => {
  assert.deepEqual(errors, []);
});

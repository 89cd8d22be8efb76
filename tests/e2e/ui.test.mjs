// The people-facing page in headless Chromium, driven like a person would: the sample space is
// seeded (ingested) and searchable on the first visit; a note added through the page is processed
// and found, with its matched words marked and its HTML never interpreted; a passage opens with
// similar passages; an unreadable file shows why it failed; a large ingest shows progress and can
// be cancelled; the map view lays out, draws and moves nodes (when the build has the map API);
// no console errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, watchErrors } from '../helpers/browser.mjs';
import { ROOT } from '../helpers/store.mjs';
import { serve } from '../../demo/serve.mjs';

let server;
let url;
let ctx;
let page;
const errors = [];

before(async () => {
  ({ server, url } = await serve(path.join(ROOT, 'build', 'site')));
  ctx = await launch();
  page = await ctx.newPage();
  watchErrors(page, errors);
  await page.goto(url);
  // First visit: the sample space is created, ingested (and laid out when the map exists).
  await page.locator('#app[data-ready=true]').waitFor({ timeout: 120000 });
});
after(async () => {
  await ctx?.close();
  server?.close();
});

const status = () => page.getByRole('status');

test('the sample space is ingested on the first visit and searchable at once', { timeout: 60000 }, async () => {
  await page.getByRole('button', { name: /Sample space/ }).waitFor();
  const sources = page.locator('[data-testid=sources] li');
  assert.ok(await sources.count() >= 50, `${await sources.count()} sample sources listed`);
  assert.equal(await page.locator('[data-testid=sources] li[data-status=processed]').count(), await sources.count(), 'all processed');

  await page.getByLabel('Search this space').fill('sourdough starter');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const hits = page.locator('[data-testid=results] button.hit');
  await hits.first().waitFor();
  assert.ok(await hits.count() >= 3);
  const first = hits.first();
  assert.match((await first.locator('.hit-title').textContent()) ?? '', /sourdough/i);
  assert.ok(await first.locator('.chip').count() === 1, 'chunk type shown');
  const marks = await page.locator('[data-testid=results] .snippet mark').allTextContents();
  assert.ok(marks.some((m) => /sourdough|starter/i.test(m)), `marked words: ${marks.join(', ')}`);

  // Opening a passage shows its text and similar passages from other notes.
  await first.click();
  const detail = page.locator('[data-testid=chunk-detail]');
  await detail.locator('[data-testid=chunk-text]').waitFor();
  assert.ok(((await detail.locator('[data-testid=chunk-text]').textContent()) ?? '').length > 20);
  await detail.locator('[data-testid=similar] button.hit').first().waitFor();
  assert.ok(await detail.locator('[data-testid=similar] button.hit').count() >= 1);
  // A similar passage opens in turn.
  const similarId = await detail.locator('[data-testid=similar] button.hit').first().getAttribute('data-chunk-id');
  await detail.locator('[data-testid=similar] button.hit').first().click();
  await page.locator(`[data-testid=chunk-detail][data-chunk-id="${similarId}"]`).waitFor();
});

test('a note added through the page is processed, found with a <mark>, and its HTML stays text', { timeout: 60000 }, async () => {
  await page.getByLabel('Space title').fill('UI test');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.getByRole('heading', { name: 'UI test' }).waitFor();
  await page.getByLabel('Note title').fill('Orchard winds');
  await page.getByLabel('Note text').fill('# Orchard winds\n\nThe zephyrine breeze carries pollen across the orchard. <img src=x onerror="window.__xss=1"> <b>bold?</b>');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('[data-testid=sources] li[data-status=processed]', { hasText: 'Orchard winds' }).waitFor();
  await status().filter({ hasText: /Added 1 source/ }).waitFor();

  await page.getByLabel('Search this space').fill('zephyrine');
  await page.getByLabel('Search this space').press('Enter');
  const hit = page.locator('[data-testid=results] button.hit').first();
  await hit.waitFor();
  assert.equal(await hit.locator('.hit-title').textContent(), 'Orchard winds');
  assert.deepEqual(await hit.locator('.snippet mark').allTextContents(), ['zephyrine']);
  // Searched as typed: an unfinished last word matches as a prefix, and the snippet marks the word.
  await page.getByLabel('Search this space').fill('orchard zephy');
  await page.locator('[data-testid=results] .snippet mark', { hasText: 'zephyrine' }).first().waitFor();
  // Only <mark> elements were built: the note's own tags are text.
  assert.equal(await page.locator('[data-testid=results] img, [data-testid=results] b').count(), 0);
  await page.getByLabel('Search this space').fill('onerror img');
  await page.getByLabel('Search this space').press('Enter');
  await page.locator('[data-testid=results] .snippet', { hasText: '<img' }).first().waitFor();
  assert.equal(await page.locator('[data-testid=results] img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);

});

test('a file that cannot be read shows its error message', { timeout: 60000 }, async () => {
  await page.locator('[data-testid=drop] input[type=file]').setInputFiles({
    name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n\u0000\u0001binary'),
  });
  const failed = page.locator('[data-testid=sources] li[data-status=failed]', { hasText: 'scan.pdf' });
  await failed.waitFor();
  assert.match((await failed.locator('.error-message').textContent()) ?? '', /cannot extract text/);
  await status().filter({ hasText: /1 failed: scan\.pdf/ }).waitFor();
});

test('files dropped on the drop zone are ingested', { timeout: 60000 }, async () => {
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['# Dropped one\n\nquinceberry jam'], 'one.md', { type: 'text/markdown' }));
    dt.items.add(new File(['# Dropped two\n\nquinceberry tart'], 'two.md', { type: 'text/markdown' }));
    const zone = document.querySelector('[data-testid=drop]');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.locator('[data-testid=sources] li[data-status=processed]', { hasText: 'two.md' }).waitFor();
  await page.locator('[data-testid=sources] li[data-status=processed]', { hasText: 'one.md' }).waitFor();
  await page.getByLabel('Search this space').fill('quinceberry');
  await page.getByLabel('Search this space').press('Enter');
  await page.locator('[data-testid=results] .snippet mark', { hasText: 'quinceberry' }).first().waitFor();
  const titles = await page.locator('[data-testid=results] button.hit .hit-title').allTextContents();
  assert.deepEqual(titles.slice(0, 2).sort(), ['one.md', 'two.md']);
});

test('a large ingest shows a progress bar and can be cancelled', { timeout: 90000 }, async () => {
  const words = 'orchard pollen breeze blossom graft rootstock pruning canopy harvest cider'.split(' ');
  const files = Array.from({ length: 400 }, (_, i) => ({
    name: `bulk-${i}.md`,
    mimeType: 'text/markdown',
    buffer: Buffer.from(`# Bulk ${i}\n\n${Array.from({ length: 1500 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ')}\n`),
  }));
  await page.locator('[data-testid=drop] input[type=file]').setInputFiles(files);
  const job = page.locator('[data-testid=job]');
  await job.waitFor();
  assert.equal(await job.locator('progress').count(), 1);
  // The bar moves (its value appears once processing starts), then Cancel stops the job.
  await page.waitForFunction(() => document.querySelector('[data-testid=job] progress')?.hasAttribute('value'), null, { timeout: 30000 });
  await job.getByRole('button', { name: /Cancel/ }).click();
  await job.waitFor({ state: 'detached', timeout: 60000 });
  await status().filter({ hasText: /Cancelled adding 400 files/ }).waitFor();
  const listed = await page.locator('[data-testid=sources] li', { hasText: 'bulk-' }).count();
  assert.ok(listed < 400, `cancelled: ${listed} of 400 bulk files were kept`);
  assert.equal(await page.locator('[data-testid=sources] li[data-status=processing]').count(), 0, 'nothing left half-done');
});

// The map view of the sample space against the real store.map: "Lay out" with its progress bar,
// nodes drawn, a node dragged on the canvas moves and is locked in the store.
test('the map view: lay out, draw, zoom, drag a node (moved and locked in the store)', { timeout: 180000 }, async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('button', { name: /Sample space/ }).click();
  await page.getByRole('heading', { name: /Sample space/ }).waitFor();
  await page.getByRole('tab', { name: 'Map' }).click();
  const canvas = page.locator('[data-testid=map-canvas]');
  await canvas.waitFor();
  await page.getByRole('button', { name: 'Lay out' }).click();
  // The job shows a progress bar with a Cancel button while it runs.
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=map-canvas]');
    return c?.dataset.layout === 'done' || c?.dataset.layout === 'failed';
  }, null, { timeout: 150000 });
  assert.equal(await canvas.getAttribute('data-layout'), 'done', await page.getByRole('status').textContent());
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=map-canvas]').dataset.nodeCount) > 0);
  const count = Number(await canvas.getAttribute('data-node-count'));
  assert.ok(count >= 52, `${count} nodes drawn`);
  // Hi-DPI: the backing store is the CSS size times devicePixelRatio.
  const size = await canvas.evaluate((c) => ({ w: c.width, cw: c.getBoundingClientRect().width, dpr: devicePixelRatio }));
  assert.equal(size.w, Math.round(size.cw * size.dpr));
  // Wheel zoom in around the middle, then '0' fits the map again.
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -200);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=map-canvas]').dataset.scale) > 2);
  await canvas.focus();
  await page.keyboard.press('0');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=map-canvas]').dataset.scale) === 1);

  // The drawn node farthest from its neighbours (easy to grab without touching another one).
  const { id, from } = await page.evaluate(() => {
    const map = window.kspaceApp.currentPane.map;
    const pts = map.drawnNodeIds().map((n) => ({ id: n, p: map.clientPointOf(n) }));
    let best = null;
    let bestGap = -1;
    for (const a of pts) {
      const gap = Math.min(...pts.filter((b) => b !== a).map((b) => Math.hypot(a.p.x - b.p.x, a.p.y - b.p.y)));
      if (gap > bestGap) {
        bestGap = gap;
        best = a;
      }
    }
    return { id: best.id, from: best.p };
  });
  const before = await page.evaluate((n) => window.kspaceStore.map.node(n), id);
  assert.equal(before.isPositionLocked, false);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 50, from.y + 30, { steps: 5 });
  await page.mouse.up();
  const deadline = Date.now() + 10000;
  while (!(await page.evaluate(async (n) => (await window.kspaceStore.map.node(n)).isPositionLocked, id))) {
    assert.ok(Date.now() < deadline, `the dragged node is locked in the store: ${JSON.stringify(await page.evaluate(([n, p]) => ({
      status: document.querySelector('[role=status]').textContent,
      at: document.elementFromPoint(p.x, p.y)?.outerHTML.slice(0, 200),
      selected: document.querySelector('[data-testid=map-canvas]').dataset.selected,
      now: window.kspaceApp.currentPane.map.clientPointOf(n),
    }), [id, from]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const after = await page.evaluate((n) => window.kspaceStore.map.node(n), id);
  assert.ok(after.position2d.x > before.position2d.x, `moved right: ${JSON.stringify({ before, after, from })}`);
  assert.ok(after.position2d.y > before.position2d.y, 'moved down');
  assert.equal(after.isPositionLocked, true);
  const to = await page.evaluate((n) => window.kspaceApp.currentPane.map.clientPointOf(n), id);
  assert.ok(Math.abs(to.x - from.x - 50) < 1.5 && Math.abs(to.y - from.y - 30) < 1.5, 'drawn where dropped');

  // A comment through the panel is stored.
  await page.getByLabel('Comment', { exact: true }).fill('a comment from the canvas');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.locator('[data-testid=comments] li', { hasText: 'a comment from the canvas' }).waitFor();
  const comments = await page.evaluate((n) => window.kspaceStore.map.comments(n), id);
  assert.equal(comments.length, 1);

  // Export .canvas downloads the map as JSON Canvas; importing a .canvas file adds its nodes.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export .canvas' }).click()]);
  assert.equal(download.suggestedFilename(), 'map.canvas');
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  assert.ok(Array.isArray(exported.nodes) && exported.nodes.length > 0 && Array.isArray(exported.edges));
  const total = Number(await canvas.getAttribute('data-total-nodes'));
  await page.locator('[data-testid=map-import]').setInputFiles({
    name: 'ideas.canvas', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({
      nodes: [
        { id: 'a', type: 'text', x: 0, y: 0, width: 200, height: 80, text: 'An imported idea' },
        { id: 'b', type: 'text', x: 300, y: 0, width: 200, height: 80, text: 'Another one' },
      ],
      edges: [{ id: 'e', fromNode: 'a', toNode: 'b', label: 'leads to' }],
    })),
  });
  await page.getByRole('status').filter({ hasText: /Imported the \.canvas file: 2 nodes, 1 edges/ }).waitFor();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid=map-canvas]').dataset.totalNodes) === n + 2, total);

  // From a search hit to its place on the map.
  await page.getByRole('tab', { name: 'Sources & search' }).click();
  await page.getByLabel('Search this space').fill('Jupiter');
  await page.getByLabel('Search this space').press('Enter');
  await page.locator('[data-testid=results] button.hit', { hasText: 'Jupiter' }).first().click();
  await page.getByRole('button', { name: 'Show on map' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=map-canvas]').dataset.selected?.length > 0);
  const shown = await page.evaluate(async () => window.kspaceStore.map.node(document.querySelector('[data-testid=map-canvas]').dataset.selected));
  assert.equal(shown.kind, 'source');
  assert.match(shown.title, /Jupiter/);
  await page.locator('[data-testid=map-panel] h3', { hasText: 'Jupiter' }).waitFor();

  // A note added after the layout is placed on the map at once (saved projection, no refit).
  await page.getByRole('tab', { name: 'Sources & search' }).click();
  await page.getByLabel('Note title').fill('Saturn');
  await page.getByLabel('Note text').fill('# Saturn\n\nSaturn is a gas giant planet with rings, like Jupiter a planet of the outer Solar System.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.locator('[data-testid=sources] li[data-status=processed]', { hasText: 'Saturn' }).waitFor();
  const saturn = await page.evaluate(async () => {
    const spaceId = window.kspaceApp.currentPane.space.id;
    const source = (await window.kspaceStore.map.nodes(spaceId, { kind: 'source' })).find((n) => n.title === 'Saturn');
    const chunks = await window.kspaceStore.map.nodes(spaceId, { kind: 'chunk' });
    return { id: source.id, placedChunks: chunks.filter((c) => c.contentSourceId === source.contentSourceId && c.position2d).length };
  });
  assert.ok(saturn.placedChunks >= 1, 'its passages were placed with the saved projection');
  await page.getByRole('tab', { name: 'Map' }).click();
  await page.waitForFunction((id) => window.kspaceApp.currentPane.map.drawnNodeIds().includes(id), saturn.id);
});

test('no console errors or uncaught page errors', () => {
  assert.deepEqual(errors, []);
});

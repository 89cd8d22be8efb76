// A Vite app that depends on the packed kspace package: `vite build` finds the worker and the
// .wasm through their `new URL(..., import.meta.url)` references, and the bundle runs in Chromium
// (engine in a worker, store on OPFS) from a plain static server.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { launch, watchErrors } from '../helpers/browser.mjs';
import { ROOT, tempDir } from '../helpers/store.mjs';
import { serve } from '../../demo/serve.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('a Vite build of an app using kspace runs in the browser', { timeout: 240000 }, async () => {
  const out = tempDir('kspace-vite-');
  const name = execFileSync(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8' })
    .trim().split('\n').pop();
  const app = path.join(out, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', path.join(out, name)], { cwd: app, stdio: 'pipe' });
  fs.writeFileSync(path.join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>app</title><pre id="out">…</pre><script type="module" src="./main.js"></script>');
  fs.writeFileSync(path.join(app, 'main.js'), `
    import { openStore } from 'kspace';
    const store = await openStore({ name: 'vite-app' });
    const space = await store.createSpace({ title: 'Bundled' });
    await store.addSource(space.id, { title: 'n', text: 'bundled note', mediaType: 'text', origin: 'paste' });
    // More than one batch: the store's worker starts the pipeline's nested worker, which the
    // bundle must hold too.
    const notes = Array.from({ length: 130 }, (_, i) => ({ title: 'note ' + i, text: '# Note ' + i + '\\n\\nAbout rivers and granite, number ' + i + '.', mediaType: 'text', origin: 'paste' }));
    const r = await store.ingest(space.id, notes);
    const n = (await store.listSources(space.id, { limit: 1000 })).length;
    await store.close();
    document.getElementById('out').textContent = 'ok ' + n + ' pipelined ' + (r.pipelinedBatches > 0);
  `);
  fs.writeFileSync(path.join(app, 'vite.config.js'), `export default { logLevel: 'warn', build: { target: 'es2022' }, worker: { format: 'es' } };`);
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: app, stdio: 'pipe' });
  const assets = fs.readdirSync(path.join(app, 'dist', 'assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `the .wasm was emitted (${assets.join(', ')})`);
  assert.ok(assets.filter((f) => f.endsWith('.js')).length >= 3, `the store's worker and the pipeline's worker were bundled separately (${assets.join(', ')})`);

  const { server, url } = await serve(path.join(app, 'dist'));
  const ctx = await launch();
  const errors = [];
  try {
    const page = await ctx.newPage();
    watchErrors(page, errors);
    await page.goto(url);
    await page.locator('#out', { hasText: 'ok 131 pipelined true' }).waitFor({ timeout: 60000 });
  } finally {
    await ctx.close();
    server.close();
  }
  assert.deepEqual(errors, []);
});

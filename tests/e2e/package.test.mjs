// The npm package: `npm pack` produces a tarball that a fresh project can install and use in Node
// (`import { openStore } from 'kspace'`), with types for TypeScript users.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, tempDir } from '../helpers/store.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack -> install in a fresh project -> works in Node', { timeout: 180000 }, () => {
  const out = tempDir('kspace-pack-');
  const name = execFileSync(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8' })
    .trim().split('\n').pop();
  const tgz = path.join(out, name);
  const listing = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' }).split('\n');
  for (const f of ['package/dist/js/node.js', 'package/dist/js/index.js', 'package/dist/js/index.d.ts',
    'package/dist/workers/worker.bundle.js', 'package/dist/workers/prep-worker.bundle.js',
    'package/dist/workers/node-worker.bundle.js', 'package/dist/workers/node-prep-worker.bundle.js',
    'package/dist/wasm/kspace.wasm', 'package/dist/wasm/kspace.js']) {
    assert.ok(listing.includes(f), `${f} is in the package`);
  }
  assert.ok(!listing.some((f) => f.includes('/src/') || f.endsWith('.cc')), 'no C++ sources in the package');
  // The workers ship as their bundles only (the modules they were bundled from would be dead
  // weight), plus the protocol's types that the client's declarations import.
  assert.ok(listing.includes('package/dist/workers/protocol.d.ts'), 'protocol.d.ts is in the package');
  assert.deepEqual(listing.filter((f) => f.startsWith('package/dist/workers/') && f.endsWith('.js') && !f.endsWith('.bundle.js')), []);

  const app = path.join(out, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', tgz], { cwd: app, stdio: 'pipe' });
  fs.writeFileSync(path.join(app, 'main.mjs'), `
    import { openStore, KspaceError } from 'kspace';
    const store = await openStore({ path: './my.kspace' });
    const space = await store.createSpace({ title: 'Research' });
    const src = await store.addSource(space.id, { title: 'idea', text: '# Hello', mediaType: 'text', origin: 'paste' });
    await store.close();
    const again = await openStore({ path: './my.kspace' });
    const [s] = await again.listSources(space.id);
    let code = null;
    try { await again.getSpace('nope'); } catch (e) { code = e instanceof KspaceError ? e.code : 'not a KspaceError'; }
    await again.close();
    console.log(JSON.stringify({ title: s.title, id: s.id === src.id, code }));
  `);
  const result = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' }).trim());
  assert.deepEqual(result, { title: 'idea', id: true, code: 'INVALID_ARGUMENT' });
});

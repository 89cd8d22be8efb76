// The demo site: opens the "demo" store in this browser's Origin Private File System, seeds a
// sample space on the first visit (ingested, so it is searchable at once, then laid out on the
// map when this build has the map API), and mounts the kspace page.
import { openStore } from '../dist/js/index.js';
import { KspaceApp } from '../dist/web/app.js';

async function seedSample(app, store) {
  const manifest = await (await fetch(new URL('./sample/index.json', import.meta.url))).json();
  const space = await store.createSpace({ title: manifest.title, description: manifest.description, icon: manifest.icon });
  await app.refresh();
  const inputs = await Promise.all(manifest.files.map(async (file) => ({
    title: file.title,
    text: await (await fetch(new URL(`./sample/${file.path}`, import.meta.url))).text(),
    mediaType: 'document',
    origin: 'import',
    path: file.path,
    mimeType: 'text/markdown',
  })));
  await app.ingest(space, inputs, 'the sample notes');
  if (store.map && typeof store.map.layout === 'function') await app.layoutSpace(space.id);
}

const root = document.getElementById('app');
try {
  const store = await openStore({ name: 'demo' });
  window.kspaceStore = store; // for the console and for tests
  const app = new KspaceApp(root, store);
  window.kspaceApp = app;
  if ((await store.listSpaces({ includeDeleted: true })).length === 0) {
    app.setStatus('Adding the sample space…');
    await seedSample(app, store);
  }
  await app.refresh();
  app.setStatus('Ready: everything stays in this browser, offline.');
  root.dataset.ready = 'true';
} catch (e) {
  root.textContent = e.code === 'STORE_LOCKED'
    ? 'kspace is open in another tab. Close it there (or use that tab) and reload.'
    : `kspace could not start: ${e.code ?? ''} ${e.message ?? e}`;
  root.dataset.error = e.code ?? 'ERROR';
}

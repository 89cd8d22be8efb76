// The demo site: opens the "demo" store in this browser's Origin Private File System, seeds a
// sample space on the first visit, and mounts the kspace page.
import { openStore } from '../dist/js/index.js';
import { KspaceApp } from '../dist/web/app.js';

async function seedSample(store) {
  const manifest = await (await fetch(new URL('./sample/index.json', import.meta.url))).json();
  const space = await store.createSpace({ title: manifest.title, description: manifest.description, icon: manifest.icon });
  for (const file of manifest.files) {
    const text = await (await fetch(new URL(`./sample/${file.path}`, import.meta.url))).text();
    await store.addSource(space.id, { title: file.title, text, mediaType: 'document', origin: 'import', path: file.path, mimeType: 'text/markdown' });
  }
}

const root = document.getElementById('app');
try {
  const store = await openStore({ name: 'demo' });
  const app = new KspaceApp(root, store);
  if ((await store.listSpaces({ includeDeleted: true })).length === 0) {
    app.setStatus('Adding the sample space…');
    await seedSample(store);
  }
  await app.refresh();
  app.setStatus('Ready: everything stays in this browser, offline.');
  window.kspaceStore = store; // for the console and for tests
} catch (e) {
  root.textContent = e.code === 'STORE_LOCKED'
    ? 'kspace is open in another tab. Close it there (or use that tab) and reload.'
    : `kspace could not start: ${e.code ?? ''} ${e.message ?? e}`;
  root.dataset.error = e.code ?? 'ERROR';
}

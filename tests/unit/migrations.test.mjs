// Schema migrations: a store written by every earlier schema version (tests/fixtures/store-vN.kspace,
// made by tests/fixtures/make-fixture.mjs with the code of that version) opens with this build,
// is migrated to the current version, and keeps its content.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { kspace, ROOT, tempDir } from '../helpers/store.mjs';

const fixtures = fs.readdirSync(path.join(ROOT, 'tests', 'fixtures')).filter((f) => /^store-v\d+\.kspace$/.test(f)).sort();

test('there is a fixture for every schema version before the current one', async () => {
  const s = await kspace.openStore({ memory: true });
  const { schemaVersion } = await s.stats();
  await s.close();
  for (let v = 1; v < schemaVersion; v++) assert.ok(fixtures.includes(`store-v${v}.kspace`), `missing fixture for schema v${v}`);
});

for (const f of fixtures) {
  test(`a store written by schema ${f.match(/v\d+/)[0]} opens, migrates and keeps its content`, async () => {
    const file = path.join(tempDir(), f);
    fs.copyFileSync(path.join(ROOT, 'tests', 'fixtures', f), file);
    const store = await kspace.openStore({ path: file });
    try {
      const latest = await kspace.openStore({ memory: true });
      const want = (await latest.stats()).schemaVersion;
      await latest.close();
      const stats = await store.stats();
      assert.equal(stats.schemaVersion, want);
      assert.deepEqual(await store.check(), { ok: true, problems: [] });
      const spaces = await store.listSpaces({ includeDeleted: true });
      assert.deepEqual(spaces.map((s) => s.title).sort(), ['Deleted space', 'Fixture space']);
      const space = spaces.find((s) => s.title === 'Fixture space');
      assert.deepEqual(space.keywords, ['fixture']);
      assert.equal(space.documentCount, 2);
      const sources = await store.listSources(space.id, { includeDeleted: true });
      assert.deepEqual(sources.map((s) => s.title), ['Markdown note', 'Other note', 'Deleted']);
      assert.equal(sources[1].metadata.author, 'fixture');
      const text = (await store.getSourceContent(sources[0].id, { processed: true })).text;
      assert.match(text, /A note about \[\[Other note\]\]/);
      const version = Number(f.match(/v(\d+)/)[1]);
      // Every fixture's sources are searchable (v1 sources are processed in the background after
      // the migration: wait for that); v3 and later also carry a map.
      for (let i = 0; i < 200 && (await store.spaceStats(space.id)).processingSources > 0; i++) await new Promise((r) => setTimeout(r, 50));
      {
        const hits = await store.search(space.id, 'borrow checking lifetimes', { k: 5 });
        assert.equal(hits[0]?.sourceTitle, 'Other note');
      }
      if (version >= 3) {
        const locked = (await store.map.nodes(space.id, { kind: 'source' })).filter((n) => n.isPositionLocked);
        assert.equal(locked.length, 1);
        assert.deepEqual([locked[0].position2d.x, locked[0].position2d.y], [10, 20]);
        assert.equal((await store.map.edges(space.id)).filter((e) => e.label === 'supports').length, 1);
      }
      // The migrated store is fully writable, including what later versions added.
      await store.addSource(space.id, { title: 'after migration', text: 'new, see [[markdown NOTE]]', mediaType: 'text', origin: 'paste' });
      assert.equal((await store.getSpace(space.id)).documentCount, 3);
      {
        // A new link reaches an old source by name (v6 indexed the names of every earlier source;
        // sources processed before v3 got their map nodes when the migrated store was opened).
        const nodes = await store.map.nodes(space.id, { kind: 'source' });
        const title = new Map(nodes.map((n) => [n.id, n.title]));
        const links = (await store.map.edges(space.id, { kinds: ['wikilink'] })).map((e) => `${title.get(e.from)} -> ${title.get(e.to)}`);
        assert.ok(links.includes('after migration -> Markdown note'), links.join('; '));
      }
      const chat = await store.chat.createSession(space.id, { title: 'after migration' });
      assert.equal((await store.chat.sessions({ spaceId: space.id })).some((c) => c.id === chat.id), true);
      await store.map.layout(space.id, { projection: 'pca', clusters: 'none' });
      // Chunks stored before the map existed (v1, v2) get their nodes from the layout: every live
      // source has as many chunk nodes as chunks.
      const chunkNodes = await store.map.nodes(space.id, { kind: 'chunk' });
      for (const s of (await store.listSources(space.id)).filter((x) => !x.deletedAt)) {
        const chunks = await store.listChunks(s.id);
        assert.ok(chunks.length > 0, s.title);
        assert.equal(chunkNodes.filter((n) => n.contentSourceId === s.id).length, chunks.length, s.title);
      }
    } finally {
      await store.close();
    }
  });
}

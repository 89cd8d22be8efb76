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
      // The migrated store is fully writable.
      await store.addSource(space.id, { title: 'after migration', text: 'new', mediaType: 'text', origin: 'paste' });
      assert.equal((await store.getSpace(space.id)).documentCount, 3);
    } finally {
      await store.close();
    }
  });
}

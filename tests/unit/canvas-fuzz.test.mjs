// Fuzz-style test of JSON Canvas import: randomised mutations of a valid canvas (fixed seed). Each
// import must either succeed completely (every canvas node and edge becomes a map node / edge) or
// fail with a typed INVALID_ARGUMENT naming a path under "canvas" and leave the store unchanged.
// Never a crash, a worker death, or a half-written import.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, tempDir } from '../helpers/store.mjs';

const { openStore, KspaceError } = kspace;
const SEED = 20241122;
const ROUNDS = Number(process.env.CANVAS_FUZZ_ROUNDS ?? 300);

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const base = {
  nodes: [
    { id: 'g1', type: 'group', x: -100, y: -100, width: 800, height: 600, label: 'Group', color: '2' },
    { id: 'g2', type: 'group', x: 0, y: 0, width: 300, height: 300, label: 'Inner', background: 'bg.png', backgroundStyle: 'cover' },
    { id: 't1', type: 'text', x: 10, y: 10, width: 200, height: 80, text: '# Note\nsome **text**' },
    { id: 'f1', type: 'file', x: 400, y: 10, width: 200, height: 80, file: 'notes/a.md', subpath: '#Heading' },
    { id: 'l1', type: 'link', x: 400, y: 200, width: 200, height: 80, url: 'https://jsoncanvas.org', color: '#ff00aa' },
  ],
  edges: [
    { id: 'e1', fromNode: 't1', fromSide: 'right', toNode: 'f1', toSide: 'left', toEnd: 'arrow', label: 'cites' },
    { id: 'e2', fromNode: 'f1', toNode: 'l1', color: '4', fromEnd: 'none' },
  ],
};

const weird = [null, true, 0, -1, 0.5, 1e300, -1e300, '', 'x', '7', '#12', 'top', 'arrow', '\u{1F600}'.repeat(3), 'a'.repeat(5000), [], {}, [1, 2], { a: 1 }];

function mutate(r, canvas) {
  const c = structuredClone(canvas);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const steps = 1 + Math.floor(r() * 3);
  for (let s = 0; s < steps; s++) {
    const which = r();
    const list = r() < 0.6 ? c.nodes : c.edges;
    if (!Array.isArray(list) || list.length === 0) continue;
    const item = pick(list);
    if (typeof item !== 'object' || item === null) continue;
    const keys = Object.keys(item);
    if (which < 0.3) item[pick(keys)] = pick(weird);
    else if (which < 0.45) delete item[pick(keys)];
    else if (which < 0.55) item.id = pick(list).id;
    else if (which < 0.65) list.push(structuredClone(item));
    else if (which < 0.72) item[pick(['fromNode', 'toNode', 'type'])] = pick(['t1', 'g1', 'zz', 'group', 'text', 'file', 'link']);
    else if (which < 0.8) list.splice(Math.floor(r() * list.length), 1);
    else if (which < 0.86) item[pick(['extra', 'x-custom'])] = pick(weird);
    else if (which < 0.9) c[pick(['nodes', 'edges'])] = pick(weird);
    else item[pick(['x', 'y', 'width', 'height'])] = pick([0, -5, 3.25, 2 ** 41, '10']);
  }
  if (r() < 0.25) {
    // Text form, sometimes damaged.
    let text = JSON.stringify(c);
    const cut = r();
    if (cut < 0.3) text = text.slice(0, Math.floor(r() * text.length));
    else if (cut < 0.5) {
      const i = Math.floor(r() * text.length);
      text = text.slice(0, i) + pick(['{', ']', '"', ',', '\\', 'NaN']) + text.slice(i);
    }
    return text;
  }
  return c;
}

let store;
let space;
before(async () => {
  store = await openStore({ path: path.join(tempDir(), 'canvas-fuzz.kspace') });
  space = await store.createSpace({ title: 'Fuzz' });
});
after(() => store?.close());

test(`${ROUNDS} mutated canvases: each a complete import or a typed error that changes nothing`, async () => {
  const r = rng(SEED);
  let ok = 0;
  let rejected = 0;
  const fields = new Set();
  for (let i = 0; i < ROUNDS; i++) {
    const input = mutate(r, base);
    const before = await store.digest();
    const countBefore = (await store.map.nodes(space.id, { includeHidden: true })).length;
    const edgesBefore = (await store.map.edges(space.id)).length;
    try {
      const res = await store.map.importCanvas(space.id, input);
      ok++;
      const parsed = typeof input === 'string' ? JSON.parse(input) : input;
      assert.equal(res.nodes, (parsed.nodes ?? []).length, `round ${i}`);
      assert.equal((await store.map.nodes(space.id, { includeHidden: true })).length, countBefore + res.nodes, `round ${i}`);
      assert.equal((await store.map.edges(space.id)).length, edgesBefore + res.edges, `round ${i}`);
    } catch (e) {
      if (!(e instanceof KspaceError)) throw new Error(`round ${i}: not a KspaceError: ${e?.stack ?? e}`);
      assert.ok(['INVALID_ARGUMENT', 'TOO_LARGE'].includes(e.code), `round ${i}: ${e.code} ${e.message}`);
      assert.ok(typeof e.field === 'string' && e.field.startsWith('canvas'), `round ${i}: field ${e.field} (${e.message})`);
      fields.add(e.field.replace(/\[\d+\]/g, '[]'));
      rejected++;
      assert.equal(await store.digest(), before, `round ${i}: a rejected import changed the store`);
    }
  }
  // The mutations exercise both outcomes and many validation paths.
  assert.ok(ok >= 10, `${ok} valid imports`);
  assert.ok(rejected >= ROUNDS / 3, `${rejected} rejected`);
  assert.ok(fields.size >= 10, `rejections named ${[...fields].join(', ')}`);
  // The store is still healthy.
  const check = await store.check();
  assert.ok(check.ok, JSON.stringify(check.problems));
});

// The map canvas's pure geometry (web/geometry.ts) and the search snippet splitter
// (web/snippet.ts), from the built dist/web modules: view transform, zoom around a point, fitting,
// hit testing, culling, cluster bubbles and the level-of-detail choice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as g from '../../dist/web/geometry.js';
import { splitSnippet } from '../../dist/web/snippet.js';

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≈ ${b}`);

test('world and screen coordinates round-trip through the view', () => {
  const v = { scale: 2.5, tx: 100, ty: -40 };
  const p = { x: 12.5, y: -3 };
  const s = g.worldToScreen(v, p);
  assert.deepEqual(s, { x: 131.25, y: -47.5 });
  const back = g.screenToWorld(v, s);
  close(back.x, p.x);
  close(back.y, p.y);
});

test('panning moves the world under the pointer by the drag', () => {
  const v = g.pan({ scale: 3, tx: 0, ty: 0 }, 30, -12);
  assert.deepEqual(g.worldToScreen(v, { x: 0, y: 0 }), { x: 30, y: -12 });
});

test('zooming keeps the world point under the cursor fixed, and is clamped', () => {
  const v = { scale: 1.2, tx: 50, ty: 20 };
  const at = { x: 300, y: 200 };
  const before = g.screenToWorld(v, at);
  const z = g.zoomAt(v, at, 3);
  close(z.scale, 3.6);
  const after = g.screenToWorld(z, at);
  close(after.x, before.x);
  close(after.y, before.y);
  assert.equal(g.zoomAt(v, at, 1e9, 0.1, 10).scale, 10);
  assert.equal(g.zoomAt(v, at, 1e-9, 0.1, 10).scale, 0.1);
  // Wheel: up zooms in, down zooms out, symmetric, and bounded for huge deltas.
  assert.ok(g.wheelFactor(-100) > 1 && g.wheelFactor(100) < 1);
  close(g.wheelFactor(-100) * g.wheelFactor(100), 1);
  assert.ok(g.wheelFactor(1e9) > 0.4);
  assert.ok(g.wheelFactor(3, 1) < g.wheelFactor(3, 0), 'line mode scrolls by lines');
});

test('fitView centres the bounds with padding; degenerate bounds do not blow up', () => {
  const b = g.boundsOf([{ x: -10, y: 0 }, { x: 30, y: 20 }, { x: NaN, y: 1 }]);
  assert.deepEqual(b, { minX: -10, minY: 0, maxX: 30, maxY: 20 });
  const v = g.fitView(b, 500, 300, 50);
  close(v.scale, Math.min(400 / 40, 200 / 20));
  const c = g.worldToScreen(v, { x: 10, y: 10 });
  close(c.x, 250);
  close(c.y, 150);
  const tl = g.worldToScreen(v, { x: -10, y: 0 });
  assert.ok(tl.x >= 50 - 1e-9 && tl.y >= 50 - 1e-9);
  const one = g.fitView({ minX: 5, minY: 5, maxX: 5, maxY: 5 }, 400, 400);
  assert.ok(Number.isFinite(one.scale) && one.scale > 0);
  assert.deepEqual(g.worldToScreen(one, { x: 5, y: 5 }), { x: 200, y: 200 });
  assert.equal(g.boundsOf([]), null);
  const none = g.fitView(null, 400, 300);
  assert.deepEqual(none, { scale: 1, tx: 200, ty: 150 });
});

test('the visible world rectangle and culling', () => {
  const v = { scale: 2, tx: 100, ty: 50 };
  const r = g.visibleWorldRect(v, 400, 300);
  assert.deepEqual(r, { minX: -50, minY: -25, maxX: 150, maxY: 125 });
  assert.ok(g.circleInRect({ x: 160, y: 0 }, 11, r));
  assert.ok(!g.circleInRect({ x: 160, y: 0 }, 9, r));
  const grown = g.visibleWorldRect(v, 400, 300, 20);
  assert.equal(grown.minX, -60);
});

test('hit testing: dots by screen radius, nearest (then topmost) wins, dots beat regions, innermost region', () => {
  const v = { scale: 10, tx: 0, ty: 0 };
  const shapes = [
    { id: 'outer', x: 0, y: 0, radiusWorld: 20, region: true },
    { id: 'inner', x: 5, y: 0, radiusWorld: 6, region: true },
    { id: 'a', x: 5, y: 5, radiusPx: 6 },
    { id: 'b', x: 5.4, y: 5, radiusPx: 6 },
  ];
  assert.equal(g.hitTest(shapes, v, { x: 52, y: 50 }), 'b', 'equidistant: the later (top) dot wins');
  assert.equal(g.hitTest(shapes, v, { x: 51, y: 50 }), 'a', 'overlapping dots: the nearest centre wins');
  assert.equal(g.hitTest(shapes, v, { x: 44, y: 50 }), 'a');
  assert.equal(g.hitTest(shapes, v, { x: 41.5, y: 50 }, 3), 'a', 'slop makes small dots easy to grab');
  assert.equal(g.hitTest(shapes, v, { x: 60, y: 0 }), 'inner', 'the smallest region containing the point');
  assert.equal(g.hitTest(shapes, v, { x: -150, y: 0 }), 'outer');
  assert.equal(g.hitTest(shapes, v, { x: 500, y: 500 }), null);
  // Zooming out shrinks regions but not dots.
  const far = { scale: 0.1, tx: 0, ty: 0 };
  assert.equal(g.hitTest(shapes, far, { x: 0.5 + 5, y: 0.5 }), 'b');
  assert.deepEqual(g.inScreenBox(shapes, v, { x: 45, y: 45 }, { x: 60, y: 60 }), ['a', 'b']);
});

test('cluster bubbles enclose their members', () => {
  assert.equal(g.enclosingCircle([]), null);
  const c = g.enclosingCircle([{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 2, y: 3 }], 1);
  close(c.x, 2);
  close(c.y, 1);
  for (const p of [{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 2, y: 3 }]) assert.ok(Math.hypot(p.x - c.x, p.y - c.y) <= c.r - 1 + 1e-9);
  // Coverage below 1 leaves the far outlier out of the radius.
  const pts = [...Array.from({ length: 9 }, (_, i) => ({ x: Math.cos(i) , y: Math.sin(i) })), { x: 100, y: 0 }];
  const all = g.enclosingCircle(pts);
  const most = g.enclosingCircle(pts, 0, 0.9);
  assert.ok(all.r > 85 && most.r < 15, `${all.r} vs ${most.r}`);
  assert.equal(g.enclosingCircle([{ x: 3, y: 4 }], 2, 0.5).r, 2);
});

test('level of detail: deeper clusters and chunks appear as the zoom grows', () => {
  assert.equal(g.clusterDepthFor(1, 1, 4), 1, 'fitted: top level only');
  assert.equal(g.clusterDepthFor(0.2, 1, 4), 1, 'zoomed out: still top level');
  assert.equal(g.clusterDepthFor(1.99, 1, 4), 1);
  assert.equal(g.clusterDepthFor(2, 1, 4), 2);
  assert.equal(g.clusterDepthFor(4, 1, 4), 3);
  assert.equal(g.clusterDepthFor(1000, 1, 4), 4, 'never deeper than the map');
  assert.equal(g.clusterDepthFor(1000, 1, 0), 1);
  assert.equal(g.clusterDepthFor(NaN, 1, 3), 1);
  assert.equal(g.clusterDepthFor(3, 0, 3), 1);
  assert.ok(!g.showChunksAt(1, 1) && g.showChunksAt(4, 1));
  assert.ok(g.labelsAt(1, 1, 10) && !g.labelsAt(1, 1, 500) && g.labelsAt(2, 1, 500));
});

test('distance to a segment', () => {
  close(g.distToSegment({ x: 5, y: 3 }, { x: 0, y: 0 }, { x: 10, y: 0 }), 3);
  close(g.distToSegment({ x: -3, y: 4 }, { x: 0, y: 0 }, { x: 10, y: 0 }), 5);
  close(g.distToSegment({ x: 1, y: 1 }, { x: 0, y: 0 }, { x: 0, y: 0 }), Math.SQRT2);
});

test('snippets split on literal <mark> tags only; everything else stays text', () => {
  assert.deepEqual(splitSnippet('a <mark>b</mark> c'), [
    { text: 'a ', mark: false }, { text: 'b', mark: true }, { text: ' c', mark: false },
  ]);
  assert.deepEqual(splitSnippet('<mark>x</mark><mark>y</mark>'), [{ text: 'xy', mark: true }]);
  // User text with HTML in it is never interpreted.
  assert.deepEqual(splitSnippet('<img src=x onerror=alert(1)> <mark><b>bold</b></mark>'), [
    { text: '<img src=x onerror=alert(1)> ', mark: false }, { text: '<b>bold</b>', mark: true },
  ]);
  // Unbalanced tags are tolerated.
  assert.deepEqual(splitSnippet('a </mark>b'), [{ text: 'a b', mark: false }]);
  assert.deepEqual(splitSnippet('a <mark>b'), [{ text: 'a ', mark: false }, { text: 'b', mark: true }]);
  assert.deepEqual(splitSnippet('<mark>a <mark>b</mark> c'), [{ text: 'a b', mark: true }, { text: ' c', mark: false }]);
  assert.deepEqual(splitSnippet(''), []);
  assert.deepEqual(splitSnippet('<MARK>upper</MARK>'), [{ text: '<MARK>upper</MARK>', mark: false }]);
});

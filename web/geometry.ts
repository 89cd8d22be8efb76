// The map canvas's pure geometry: the view transform (pan and zoom), fitting a view to content,
// hit testing, culling, cluster regions and the level-of-detail choice of which depths to draw at
// which zoom. No DOM here, so it is unit-tested in Node (tests/unit/web-geometry.test.mjs).

export interface Point {
  x: number;
  y: number;
}

/** A rectangle in world or screen units. */
export interface Rect {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** screen = world * scale + (tx, ty), in CSS pixels. */
export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export const MIN_SCALE = 1e-4;
export const MAX_SCALE = 1e4;

export const identityView = (): View => ({ scale: 1, tx: 0, ty: 0 });

export function worldToScreen(v: View, p: Point): Point {
  return { x: p.x * v.scale + v.tx, y: p.y * v.scale + v.ty };
}

export function screenToWorld(v: View, p: Point): Point {
  return { x: (p.x - v.tx) / v.scale, y: (p.y - v.ty) / v.scale };
}

/** The view moved by (dx, dy) screen pixels (a drag of the background). */
export function pan(v: View, dx: number, dy: number): View {
  return { scale: v.scale, tx: v.tx + dx, ty: v.ty + dy };
}

/** The view zoomed by `factor` around the screen point `at`, which stays over the same world point. */
export function zoomAt(v: View, at: Point, factor: number, min = MIN_SCALE, max = MAX_SCALE): View {
  const scale = Math.min(max, Math.max(min, v.scale * factor));
  const k = scale / v.scale;
  return { scale, tx: at.x - (at.x - v.tx) * k, ty: at.y - (at.y - v.ty) * k };
}

/** The zoom factor of a wheel event's deltaY (pixels; negative zooms in). */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-500, Math.min(500, px)) * 0.0015);
}

/** The bounding box of `points`, or null when there are none. */
export function boundsOf(points: Iterable<Point>): Rect | null {
  let r: Rect | null = null;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    if (!r) r = { minX: p.x, minY: p.y, maxX: p.x, maxY: p.y };
    else {
      if (p.x < r.minX) r.minX = p.x;
      if (p.y < r.minY) r.minY = p.y;
      if (p.x > r.maxX) r.maxX = p.x;
      if (p.y > r.maxY) r.maxY = p.y;
    }
  }
  return r;
}

/** The view that shows `bounds` centred in a `width` x `height` viewport with `padding` pixels around. */
export function fitView(bounds: Rect | null, width: number, height: number, padding = 40): View {
  if (!bounds || width <= 0 || height <= 0) return { scale: 1, tx: width / 2, ty: height / 2 };
  const w = Math.max(bounds.maxX - bounds.minX, 1e-9);
  const hh = Math.max(bounds.maxY - bounds.minY, 1e-9);
  const availW = Math.max(1, width - 2 * padding);
  const availH = Math.max(1, height - 2 * padding);
  let scale = Math.min(availW / w, availH / hh);
  // A single point (or a line of points) has no extent: keep a sensible zoom.
  if (!Number.isFinite(scale) || scale > 1e3) scale = bounds.maxX === bounds.minX && bounds.maxY === bounds.minY ? 1 : Math.min(scale, 1e3);
  scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
  const cx = (bounds.minX + bounds.maxX) / 2;
  const cy = (bounds.minY + bounds.maxY) / 2;
  return { scale, tx: width / 2 - cx * scale, ty: height / 2 - cy * scale };
}

/** The world rectangle a `width` x `height` viewport shows, grown by `margin` screen pixels. */
export function visibleWorldRect(v: View, width: number, height: number, margin = 0): Rect {
  const a = screenToWorld(v, { x: -margin, y: -margin });
  const b = screenToWorld(v, { x: width + margin, y: height + margin });
  return { minX: Math.min(a.x, b.x), minY: Math.min(a.y, b.y), maxX: Math.max(a.x, b.x), maxY: Math.max(a.y, b.y) };
}

/** Whether a circle (world centre, world radius) touches the rectangle. */
export function circleInRect(c: Point, r: number, rect: Rect): boolean {
  return c.x + r >= rect.minX && c.x - r <= rect.maxX && c.y + r >= rect.minY && c.y - r <= rect.maxY;
}

/** Something on the map that can be hit: a circle at a world position. */
export interface HitShape extends Point {
  id: string;
  /** Radius in screen pixels (dots that keep their size when zooming). */
  radiusPx?: number;
  /** Radius in world units (regions that grow with the zoom). */
  radiusWorld?: number;
  /** Regions are hit only where no dot is: dots win over the regions they sit in. */
  region?: boolean;
}

/**
 * The id of the shape under the screen point `at`, or null. Among dots, the one whose centre is
 * nearest wins (ties: the later one, drawn on top); `slopPx` extra pixels make small dots easy to
 * grab. Dots win over regions; among regions, the smallest containing the point wins.
 */
export function hitTest(shapes: readonly HitShape[], v: View, at: Point, slopPx = 3): string | null {
  let regionHit: string | null = null;
  let regionR = Infinity;
  let dotHit: string | null = null;
  let dotDist = Infinity;
  for (let i = shapes.length - 1; i >= 0; i--) {
    const s = shapes[i]!;
    const sp = worldToScreen(v, s);
    const d = Math.hypot(sp.x - at.x, sp.y - at.y);
    const r = (s.radiusPx ?? 0) + (s.radiusWorld ?? 0) * v.scale;
    if (s.region) {
      if (d <= r && r < regionR) {
        regionHit = s.id;
        regionR = r;
      }
    } else if (d <= r + slopPx && d < dotDist) {
      dotHit = s.id;
      dotDist = d;
    }
  }
  return dotHit ?? regionHit;
}

/** The shapes whose centres lie in the screen rectangle between `a` and `b` (a selection box). */
export function inScreenBox(shapes: readonly HitShape[], v: View, a: Point, b: Point): string[] {
  const minX = Math.min(a.x, b.x), maxX = Math.max(a.x, b.x), minY = Math.min(a.y, b.y), maxY = Math.max(a.y, b.y);
  return shapes.filter((s) => {
    const p = worldToScreen(v, s);
    return p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY;
  }).map((s) => s.id);
}

/**
 * The circle around `points` for a cluster's bubble: centred on their centroid, with the radius
 * that covers the `coverage` fraction of them (1: all; less keeps a few outliers from blowing the
 * bubble up), plus `pad`.
 */
export function enclosingCircle(points: readonly Point[], pad = 0, coverage = 1): { x: number; y: number; r: number } | null {
  if (points.length === 0) return null;
  let sx = 0, sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const c = { x: sx / points.length, y: sy / points.length };
  const d = points.map((p) => Math.hypot(p.x - c.x, p.y - c.y)).sort((a, b) => a - b);
  const i = Math.min(d.length - 1, Math.max(0, Math.ceil(Math.min(1, Math.max(0, coverage)) * d.length) - 1));
  return { ...c, r: d[i]! + pad };
}

/**
 * Level of detail. Zoomed out, only the top-level clusters are drawn; each doubling of the zoom
 * past `baseScale` (the zoom at which the whole map fits) reveals one level deeper, down to
 * `maxDepth`. Returns the deepest cluster depth to draw (>= 1).
 */
export function clusterDepthFor(scale: number, baseScale: number, maxDepth: number): number {
  if (!(scale > 0) || !(baseScale > 0)) return 1;
  const levels = Math.floor(Math.log2(scale / baseScale) + 1e-9) + 1;
  return Math.max(1, Math.min(Math.max(1, maxDepth), levels));
}

/** Which kinds of leaf nodes to draw at a zoom: sources and notes always; chunks only when close. */
export function showChunksAt(scale: number, baseScale: number): boolean {
  return scale >= baseScale * 4;
}

/** Whether a label fits: drawn for dots only when the zoom leaves room (`minGapPx` between them). */
export function labelsAt(scale: number, baseScale: number, count: number): boolean {
  return count <= 60 || scale >= baseScale * 2;
}

/** Distance in pixels between a point and a segment (for hit testing edges). */
export function distToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x, dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

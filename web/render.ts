// Draws a map scene on a 2D canvas context. The scene is computed by MapView (which nodes, at
// which level of detail); this only paints it, culling what lies outside the viewport.
import { circleInRect, type Rect, type View, worldToScreen } from './geometry.js';
import type { ViewEdge, ViewNode } from './map-model.js';

export interface Bubble {
  node: ViewNode;
  x: number;
  y: number;
  /** World radius. */
  r: number;
  color: string;
  depth: number;
}

export interface Dot {
  node: ViewNode;
  radiusPx: number;
  color: string;
}

export interface Scene {
  bubbles: Bubble[];
  dots: Dot[];
  edges: { edge: ViewEdge; a: ViewNode; b: ViewNode }[];
  selected: ReadonlySet<string>;
  /** Selected and hovered nodes: their edges are drawn strong and labelled. */
  focus: ReadonlySet<string>;
  hover: string | null;
  showLabels: boolean;
}

export const PALETTE = ['#3358d4', '#30a46c', '#e5484d', '#f76b15', '#8e4ec6', '#0091ff', '#e2b203', '#d6409f', '#12a594', '#978365'];

const EDGE_COLORS: Record<string, string> = { user: '#3d4556', wikilink: '#8a93a6', similarity: '#b3bac7', concept: '#a08bd0' };

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  let s = m[1]!;
  if (s.length === 3) s = s.split('').map((c) => c + c).join('');
  const n = Number.parseInt(s, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function ellipsize(ctx: CanvasRenderingContext2D, text: string, maxPx: number): string {
  if (ctx.measureText(text).width <= maxPx) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxPx) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** Paints `scene` seen through `view` on a `width` x `height` (CSS pixels) context. */
export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, view: View, width: number, height: number, visible: Rect): number {
  ctx.clearRect(0, 0, width, height);
  let drawn = 0;
  ctx.lineCap = 'round';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';

  // Cluster regions, outermost first.
  for (const b of scene.bubbles) {
    if (!circleInRect(b, b.r, visible)) continue;
    const c = worldToScreen(view, b);
    const r = Math.max(b.r * view.scale, 10);
    const sel = scene.selected.has(b.node.id);
    ctx.beginPath();
    ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
    ctx.fillStyle = withAlpha(b.color, 0.07 + 0.03 * Math.min(b.depth, 4));
    ctx.fill();
    ctx.lineWidth = sel ? 2.5 : 1;
    ctx.strokeStyle = withAlpha(b.color, sel ? 0.95 : 0.45);
    ctx.setLineDash(b.depth > 1 ? [4, 4] : []);
    ctx.stroke();
    ctx.setLineDash([]);
    drawn++;
  }

  // Edges: user edges strong; links and similarities faint unless they touch a focused node.
  const edgeLabels: { text: string; x: number; y: number }[] = [];
  for (const { edge, a, b } of scene.edges) {
    const minX = Math.min(a.x, b.x), maxX = Math.max(a.x, b.x), minY = Math.min(a.y, b.y), maxY = Math.max(a.y, b.y);
    if (maxX < visible.minX || minX > visible.maxX || maxY < visible.minY || minY > visible.maxY) continue;
    const focused = scene.focus.has(edge.from) || scene.focus.has(edge.to);
    const p = worldToScreen(view, a);
    const q = worldToScreen(view, b);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(q.x, q.y);
    ctx.strokeStyle = edge.color ?? EDGE_COLORS[edge.kind] ?? '#8a93a6';
    ctx.lineWidth = edge.kind === 'user' || focused ? 1.8 : 0.5 + 0.7 * edge.strength;
    ctx.globalAlpha = edge.kind === 'user' || focused ? 0.9 : scene.focus.size > 0 ? 0.12 : 0.35;
    ctx.setLineDash(edge.dashed ? [6, 5] : []);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    if (edge.label && (edge.kind === 'user' || focused)) edgeLabels.push({ text: edge.label, x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 - 7 });
  }

  // Dots.
  for (const d of scene.dots) {
    if (!circleInRect(d.node, d.radiusPx / view.scale, visible)) continue;
    const c = worldToScreen(view, d.node);
    const sel = scene.selected.has(d.node.id);
    const hover = scene.hover === d.node.id;
    ctx.beginPath();
    if (d.node.kind === 'note') ctx.rect(c.x - d.radiusPx, c.y - d.radiusPx, d.radiusPx * 2, d.radiusPx * 2);
    else ctx.arc(c.x, c.y, d.radiusPx, 0, Math.PI * 2);
    ctx.fillStyle = d.color;
    ctx.fill();
    if (sel || hover || d.node.locked) {
      ctx.lineWidth = sel ? 3 : 1.5;
      ctx.strokeStyle = sel ? '#1d2330' : hover ? '#5b6476' : '#1d2330';
      ctx.stroke();
    }
    drawn++;
  }

  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  for (const l of edgeLabels.slice(0, 200)) {
    const t = ellipsize(ctx, l.text, 120);
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.strokeText(t, l.x, l.y);
    ctx.fillStyle = '#3d4556';
    ctx.fillText(t, l.x, l.y);
  }

  // Labels: dots (when there is room), then cluster titles on top. Greedy placement: the selected
  // and hovered nodes first, then larger ones; a label that would overlap one already drawn is
  // left out (hovering a dot shows it).
  if (scene.showLabels) {
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'left';
    const taken: { x0: number; y0: number; x1: number; y1: number }[] = [];
    const free = (x0: number, y0: number, x1: number, y1: number) => !taken.some((t) => x0 < t.x1 && x1 > t.x0 && y0 < t.y1 && y1 > t.y0);
    const rank = (d: Dot) => (scene.selected.has(d.node.id) ? 0 : scene.hover === d.node.id ? 1 : 2);
    const order = scene.dots
      .filter((d) => (d.node.kind !== 'chunk' || scene.selected.has(d.node.id) || scene.hover === d.node.id) && circleInRect(d.node, d.radiusPx / view.scale, visible))
      .sort((a, b) => rank(a) - rank(b) || b.radiusPx - a.radiusPx);
    for (const d of order.slice(0, 400)) {
      const c = worldToScreen(view, d.node);
      const t = ellipsize(ctx, d.node.title, 160);
      const x = c.x + d.radiusPx + 4;
      const w = ctx.measureText(t).width;
      if (rank(d) === 2 && !free(x - 2, c.y - 8, x + w + 2, c.y + 8)) continue;
      taken.push({ x0: x - 2, y0: c.y - 8, x1: x + w + 2, y1: c.y + 8 });
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
      ctx.strokeText(t, x, c.y);
      ctx.fillStyle = '#1d2330';
      ctx.fillText(t, x, c.y);
    }
    ctx.textAlign = 'center';
  }
  for (const b of scene.bubbles) {
    if (!circleInRect(b, b.r, visible)) continue;
    const c = worldToScreen(view, b);
    const r = Math.max(b.r * view.scale, 10);
    const size = b.depth === 1 ? 14 : 12;
    ctx.font = `600 ${size}px system-ui, sans-serif`;
    const t = ellipsize(ctx, b.node.title, Math.max(80, r * 1.8));
    const y = c.y - r + size + 4 > c.y ? c.y : c.y - r + size + 4;
    ctx.lineWidth = 4;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.strokeText(t, c.x, y);
    ctx.fillStyle = b.color;
    ctx.fillText(t, c.x, y);
  }
  return drawn;
}

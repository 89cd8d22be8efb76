// The map of a space: a 2D canvas with the space's nodes at their 2D positions, clusters as
// labelled bubbles (deeper clusters appear as you zoom in), edges as lines. Drag the background to
// pan, the wheel to zoom, a node to move it (it is then locked in place); click to select, Shift-
// click to select a second node and connect the two. The side panel shows the selected node, its
// comments, and the tools. Drawing happens in requestAnimationFrame, only after a change.
import type { Id } from '../js/index.js';
import { fill, h, JobPanel } from './dom.js';
import {
  boundsOf, clusterDepthFor, enclosingCircle, fitView, type HitShape, hitTest, labelsAt, pan, type Point,
  screenToWorld, showChunksAt, type View, visibleWorldRect, wheelFactor, worldToScreen, zoomAt,
} from './geometry.js';
import { colorOf, type MapPort, mapPortOf, type ViewEdge, type ViewNode } from './map-model.js';
import { type Bubble, type Dot, drawScene, PALETTE, type Scene } from './render.js';

export { mapPortOf as mapApiOf };

export interface MapViewOptions {
  onError: (e: unknown) => void;
  announce: (text: string) => void;
  /** Where long jobs (layout) show their progress bar. */
  jobs: HTMLElement;
}

type Drag =
  | { kind: 'none' }
  | { kind: 'pan'; pointerId: number; start: Point; last: Point; moved: boolean; regionId: string | null }
  | { kind: 'node'; pointerId: number; id: string; start: Point; offset: Point; moved: boolean; from: Point; additive: boolean };

const DRAG_THRESHOLD_PX = 4;

/**
 * Lays out a space (UMAP to 2D, HDBSCAN clusters) with a progress bar and a Cancel button in
 * `options.jobs`; true when it finished. Used by the map's "Lay out" button and by the demo after
 * seeding its sample space.
 */
export async function runLayout(api: MapPort, spaceId: Id, options: MapViewOptions): Promise<boolean> {
  const job = new JobPanel('Laying out the map');
  options.jobs.append(job.element);
  options.announce('Laying out the map…');
  try {
    const summary = await api.layout(spaceId, (f, t) => job.update(f, t), job.signal);
    options.announce(summary);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'CANCELLED') options.announce('Layout cancelled.');
    else options.onError(e);
    return false;
  } finally {
    job.remove();
  }
}

export class MapView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly panel: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly layoutButton: HTMLButtonElement;
  private readonly importInput: HTMLInputElement;

  private nodes = new Map<Id, ViewNode>();
  private edges: ViewEdge[] = [];
  private children = new Map<Id, ViewNode[]>();
  /** Nesting of clusters: 1 for a top-level cluster, 2 inside it, ... */
  private clusterLevel = new Map<Id, number>();
  private maxClusterLevel = 1;
  private nodeColor = new Map<Id, string>();
  private bubbles = new Map<Id, Bubble>();
  private padWorld = 1;

  private view: View = { scale: 1, tx: 0, ty: 0 };
  private baseScale = 1;
  private width = 0;
  private height = 0;
  private dpr = 1;
  private fitted = false;
  private selected: Id[] = [];
  private hover: Id | null = null;
  private drag: Drag = { kind: 'none' };
  private frame = 0;
  private active = false;
  private stale = true;
  private loading: Promise<void> | null = null;
  private lastShapes: HitShape[] = [];
  private panelFor = '';
  private readonly resize: ResizeObserver;

  constructor(
    private readonly api: MapPort,
    private readonly spaceId: Id,
    private readonly options: MapViewOptions,
  ) {
    this.canvas = h('canvas', {
      class: 'map-canvas', tabindex: '0', role: 'application', 'data-testid': 'map-canvas', 'data-node-count': '0',
      'aria-label': 'Map of the space. Drag to pan, wheel or plus and minus to zoom, arrow keys to pan, ] and [ to select the next or previous node, 0 to fit.',
    });
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
    this.empty = h('p', { class: 'map-empty', hidden: '' });

    this.layoutButton = this.button('Lay out', () => void this.layout(), 'Compute positions and clusters for the whole space');
    const fit = this.button('Fit', () => this.fit(), 'Show the whole map');
    const zoomIn = this.button('+', () => this.zoomBy(1.4), 'Zoom in');
    const zoomOut = this.button('−', () => this.zoomBy(1 / 1.4), 'Zoom out');
    const exportButton = this.button('Export .canvas', () => void this.exportCanvas(), 'Download the map as a JSON Canvas file');
    this.importInput = h('input', { type: 'file', accept: '.canvas,application/json', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true', 'data-testid': 'map-import' });
    this.importInput.addEventListener('change', () => void this.importCanvas());
    const importButton = this.button('Import .canvas', () => this.importInput.click(), 'Add the nodes and edges of a JSON Canvas file');
    const toolbar = h('div', { class: 'map-toolbar', role: 'toolbar', 'aria-label': 'Map tools' },
      this.layoutButton, fit, zoomOut, zoomIn, exportButton, importButton, this.importInput);

    this.panel = h('aside', { class: 'map-panel', 'aria-label': 'Selected node', 'data-testid': 'map-panel' });
    const stage = h('div', { class: 'map-stage' }, this.canvas, this.empty);
    this.element = h('div', { class: 'map-view' }, toolbar, h('div', { class: 'map-body' }, stage, this.panel));

    this.canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    this.canvas.addEventListener('pointercancel', () => this.cancelDrag());
    this.canvas.addEventListener('pointerleave', () => {
      if (this.hover !== null && this.drag.kind === 'none') {
        this.hover = null;
        this.invalidate();
      }
    });
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(stage);
    this.renderPanel();
  }

  private button(label: string, onClick: () => void, title?: string): HTMLButtonElement {
    const b = h('button', { type: 'button', title: title ?? label, 'aria-label': label === '+' || label === '−' ? title ?? label : label }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  /** Shown: load (or reload when stale) and draw. */
  activate(): void {
    this.active = true;
    this.measure();
    if (this.stale) void this.load();
    else this.invalidate();
  }

  deactivate(): void {
    this.active = false;
  }

  /** The space changed (sources added or removed): reload when shown. */
  changed(): void {
    this.stale = true;
    if (this.active) void this.load();
  }

  destroy(): void {
    this.active = false;
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
  }

  /** Selects the node of a source and centres the view on it (after loading). */
  async focusSource(sourceId: Id): Promise<void> {
    await this.ready();
    const n = [...this.nodes.values()].find((m) => m.kind === 'source' && m.sourceId === sourceId && m.hasPosition);
    if (!n) {
      this.options.announce('That source is not on the map yet: press “Lay out”.');
      return;
    }
    if (this.width > 0) {
      const p = worldToScreen(this.view, n);
      this.view = pan(this.view, this.width / 2 - p.x, this.height / 2 - p.y);
    }
    this.select(n.id, false);
    this.canvas.focus();
  }

  // ---- test hooks ---------------------------------------------------------------------------

  /** Where a node is drawn, in client (page) coordinates; null when it is not drawn. */
  clientPointOf(id: Id): Point | null {
    const n = this.nodes.get(id);
    if (!n || !n.hasPosition || !this.lastShapes.some((s) => s.id === id)) return null;
    const p = worldToScreen(this.view, n);
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  /** The nodes drawn as dots (not cluster bubbles) in the last frame. */
  drawnNodeIds(): Id[] {
    return this.lastShapes.filter((s) => !s.region).map((s) => s.id);
  }

  /** Resolves once the current load (if any) has finished. */
  async ready(): Promise<void> {
    while (this.loading) await this.loading;
  }

  // ---- data ---------------------------------------------------------------------------------

  private load(): Promise<void> {
    if (this.loading) return this.loading;
    this.stale = false;
    this.loading = (async () => {
      try {
        const [nodes, edges] = await Promise.all([this.api.nodes(this.spaceId), this.api.edges(this.spaceId)]);
        this.setData(nodes, edges);
      } catch (e) {
        this.options.onError(e);
      } finally {
        this.loading = null;
      }
      if (this.stale && this.active) await this.load();
    })();
    return this.loading;
  }

  private setData(nodes: ViewNode[], edges: ViewEdge[]): void {
    // A source placed after the last layout may have placed chunks but no position of its own:
    // show it at their centroid, as a layout would.
    const chunkSums = new Map<Id, { x: number; y: number; n: number }>();
    for (const n of nodes) {
      if (n.kind !== 'chunk' || !n.hasPosition || !n.sourceId) continue;
      const acc = chunkSums.get(n.sourceId) ?? { x: 0, y: 0, n: 0 };
      acc.x += n.x;
      acc.y += n.y;
      acc.n++;
      chunkSums.set(n.sourceId, acc);
    }
    for (const n of nodes) {
      const acc = n.kind === 'source' && !n.hasPosition && n.sourceId ? chunkSums.get(n.sourceId) : undefined;
      if (acc) Object.assign(n, { x: acc.x / acc.n, y: acc.y / acc.n, hasPosition: true });
    }
    this.nodes = new Map(nodes.map((n) => [n.id, n]));
    this.edges = edges.filter((e) => this.nodes.has(e.from) && this.nodes.has(e.to));
    this.children = new Map();
    for (const n of nodes) {
      if (n.parentId && this.nodes.has(n.parentId)) {
        let list = this.children.get(n.parentId);
        if (!list) this.children.set(n.parentId, (list = []));
        list.push(n);
      }
    }
    // Cluster levels and colours: each top-level tree gets a palette colour.
    this.clusterLevel = new Map();
    this.nodeColor = new Map();
    this.maxClusterLevel = 1;
    let colorIndex = 0;
    const walk = (n: ViewNode, level: number, color: string) => {
      const own = n.color ?? color;
      this.nodeColor.set(n.id, own);
      let next = level;
      if (n.kind === 'cluster') {
        next = level + 1;
        this.clusterLevel.set(n.id, next);
        this.maxClusterLevel = Math.max(this.maxClusterLevel, next);
      }
      for (const c of this.children.get(n.id) ?? []) walk(c, next, own);
    };
    const roots = nodes.filter((n) => !n.parentId || !this.nodes.has(n.parentId));
    roots.sort((a, b) => (a.kind === 'cluster' ? 0 : 1) - (b.kind === 'cluster' ? 0 : 1) || a.title.localeCompare(b.title));
    for (const r of roots) walk(r, 0, r.kind === 'cluster' ? PALETTE[colorIndex++ % PALETTE.length]! : '#5b6476');
    // A source sits at the centroid of its chunks, which live under clusters: colour it like the
    // cluster that holds most of its chunks.
    const votes = new Map<Id, Map<string, number>>();
    for (const n of nodes) {
      if (n.kind !== 'chunk' || !n.sourceId || !n.parentId || this.nodes.get(n.parentId)?.kind !== 'cluster') continue;
      const color = this.nodeColor.get(n.id);
      if (!color) continue;
      let tally = votes.get(n.sourceId);
      if (!tally) votes.set(n.sourceId, (tally = new Map()));
      tally.set(color, (tally.get(color) ?? 0) + 1);
    }
    for (const n of nodes) {
      if (n.kind !== 'source' || n.color || !n.sourceId) continue;
      const tally = votes.get(n.sourceId);
      if (!tally) continue;
      const best = [...tally.entries()].sort((a, b) => b[1] - a[1])[0];
      if (best) this.nodeColor.set(n.id, best[0]);
    }
    this.selected = this.selected.filter((id) => this.nodes.has(id));
    const b = boundsOf([...this.nodes.values()].filter((n) => n.hasPosition));
    this.padWorld = b ? Math.max(b.maxX - b.minX, b.maxY - b.minY, 1e-6) * 0.015 : 1;
    this.computeBubbles();
    if (!this.fitted && this.width > 0) this.fit();
    const placed = nodes.filter((n) => n.hasPosition).length;
    this.empty.hidden = placed > 0;
    this.empty.textContent = nodes.length === 0
      ? 'Nothing on the map yet: add sources, then press “Lay out”.'
      : 'The nodes have no positions yet: press “Lay out”.';
    this.canvas.dataset.totalNodes = String(nodes.length);
    this.canvas.dataset.edgeCount = String(this.edges.length);
    this.renderPanel(true);
    this.invalidate();
  }

  /**
   * Each cluster's bubble: the circle around its placed members (the chunks, notes and other
   * leaves below it, at any depth), covering 90% of them so that an outlier does not blow it up;
   * or its own position when nothing below it is placed.
   */
  private computeBubbles(only?: Set<Id>): void {
    if (!only) this.bubbles = new Map();
    const members = (id: Id, out: Point[], seen: Set<Id>) => {
      for (const c of this.children.get(id) ?? []) {
        if (seen.has(c.id)) continue;
        seen.add(c.id);
        if (c.kind !== 'cluster' && c.hasPosition) out.push(c);
        members(c.id, out, seen);
      }
      return out;
    };
    for (const n of this.nodes.values()) {
      if (n.kind !== 'cluster' || (only && !only.has(n.id))) continue;
      const pts = members(n.id, [], new Set([n.id]));
      const level = this.clusterLevel.get(n.id) ?? 1;
      const circle = enclosingCircle(pts, this.padWorld * (1 + 1 / level), pts.length >= 10 ? 0.9 : 1);
      const c = circle ?? (n.hasPosition ? { x: n.x, y: n.y, r: this.padWorld * (2 + Math.sqrt(Math.max(1, n.size))) } : null);
      if (!c) {
        this.bubbles.delete(n.id);
        continue;
      }
      this.bubbles.set(n.id, { node: n, x: c.x, y: c.y, r: c.r, color: this.nodeColor.get(n.id) ?? PALETTE[0]!, depth: level });
    }
  }

  private ancestorsOf(id: Id): Set<Id> {
    const out = new Set<Id>();
    let p = this.nodes.get(id)?.parentId ?? null;
    while (p && !out.has(p)) {
      out.add(p);
      p = this.nodes.get(p)?.parentId ?? null;
    }
    return out;
  }

  // ---- view ---------------------------------------------------------------------------------

  private measure(): void {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(rect.width), hh = Math.round(rect.height);
    if (w === this.width && hh === this.height && dpr === this.dpr) return;
    this.width = w;
    this.height = hh;
    this.dpr = dpr;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(hh * dpr));
    if (!this.fitted && w > 0 && this.nodes.size > 0) this.fit();
    this.invalidate();
  }

  fit(): void {
    if (this.width <= 0) return;
    const pts: Point[] = [];
    for (const n of this.nodes.values()) if (n.hasPosition) pts.push(n);
    for (const b of this.bubbles.values()) pts.push({ x: b.x - b.r, y: b.y - b.r }, { x: b.x + b.r, y: b.y + b.r });
    const bounds = boundsOf(pts);
    this.view = fitView(bounds, this.width, this.height, 30);
    this.baseScale = this.view.scale;
    this.fitted = bounds !== null;
    this.invalidate();
  }

  private zoomBy(factor: number): void {
    this.view = zoomAt(this.view, { x: this.width / 2, y: this.height / 2 }, factor, this.baseScale / 20, this.baseScale * 400);
    this.invalidate();
  }

  /** Schedules one frame (several changes before it draw once). */
  invalidate(): void {
    if (this.frame || !this.active) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private scene(): Scene {
    const depth = clusterDepthFor(this.view.scale, this.baseScale, this.maxClusterLevel);
    const chunks = showChunksAt(this.view.scale, this.baseScale);
    const bubbles = [...this.bubbles.values()].filter((b) => b.depth <= depth).sort((a, b) => a.depth - b.depth || b.r - a.r);
    const dots: Dot[] = [];
    for (const n of this.nodes.values()) {
      if (!n.hasPosition || n.kind === 'cluster') continue;
      if (n.kind === 'chunk' && !chunks && !this.selected.includes(n.id)) continue;
      const base = n.kind === 'chunk' ? 3 : n.kind === 'concept' ? 4 : 5.5;
      dots.push({ node: n, radiusPx: base + (n.kind === 'source' ? Math.min(3, Math.sqrt(Math.max(0, n.size)) * 0.5) : 0), color: this.nodeColor.get(n.id) ?? '#5b6476' });
    }
    // Chunks under sources, selected on top.
    dots.sort((a, b) => Number(a.node.kind !== 'chunk') - Number(b.node.kind !== 'chunk') || Number(this.selected.includes(a.node.id)) - Number(this.selected.includes(b.node.id)));
    const drawnIds = new Set(dots.map((d) => d.node.id));
    for (const b of bubbles) drawnIds.add(b.node.id);
    const edges: Scene['edges'] = [];
    for (const e of this.edges) {
      const a = this.anchor(e.from, drawnIds);
      const b = this.anchor(e.to, drawnIds);
      if (a && b && a !== b) edges.push({ edge: e, a, b });
    }
    return {
      bubbles, dots, edges,
      focus: new Set([...this.selected, ...(this.hover ? [this.hover] : [])]),
      selected: new Set(this.selected),
      hover: this.hover,
      showLabels: labelsAt(this.view.scale, this.baseScale, dots.length),
    };
  }

  /** The drawn node an edge end attaches to: the node, or its nearest drawn ancestor. */
  private anchor(id: Id, drawn: Set<Id>): ViewNode | null {
    let n = this.nodes.get(id);
    const seen = new Set<Id>();
    while (n && !seen.has(n.id)) {
      if (drawn.has(n.id) && n.hasPosition) return n;
      if (drawn.has(n.id) && n.kind === 'cluster') {
        const b = this.bubbles.get(n.id);
        if (b) return { ...n, x: b.x, y: b.y, hasPosition: true };
      }
      seen.add(n.id);
      n = n.parentId ? this.nodes.get(n.parentId) : undefined;
    }
    return null;
  }

  private draw(): void {
    if (!this.active || this.width <= 0) return;
    const scene = this.scene();
    this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const visible = visibleWorldRect(this.view, this.width, this.height, 40);
    const drawn = drawScene(this.ctx, scene, this.view, this.width, this.height, visible);
    const shapes: HitShape[] = [];
    for (const b of scene.bubbles) shapes.push({ id: b.node.id, x: b.x, y: b.y, radiusWorld: b.r, region: true });
    for (const d of scene.dots) shapes.push({ id: d.node.id, x: d.node.x, y: d.node.y, radiusPx: d.radiusPx });
    this.lastShapes = shapes;
    this.canvas.dataset.nodeCount = String(drawn);
    this.canvas.dataset.dotCount = String(scene.dots.length);
    this.canvas.dataset.scale = (this.view.scale / this.baseScale).toFixed(3);
  }

  // ---- input --------------------------------------------------------------------------------

  private local(e: PointerEvent | WheelEvent): Point {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private hitAt(p: Point): { id: Id; region: boolean } | null {
    const id = hitTest(this.lastShapes, this.view, p);
    if (!id) return null;
    return { id, region: this.lastShapes.find((s) => s.id === id)?.region === true };
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const p = this.local(e);
    const hit = this.hitAt(p);
    this.canvas.focus({ preventScroll: true });
    this.canvas.setPointerCapture(e.pointerId);
    if (hit && !hit.region) {
      const n = this.nodes.get(hit.id)!;
      const w = screenToWorld(this.view, p);
      this.drag = { kind: 'node', pointerId: e.pointerId, id: n.id, start: p, offset: { x: n.x - w.x, y: n.y - w.y }, moved: false, from: { x: n.x, y: n.y }, additive: e.shiftKey || e.metaKey || e.ctrlKey };
    } else {
      this.drag = { kind: 'pan', pointerId: e.pointerId, start: p, last: p, moved: false, regionId: hit?.id ?? null };
      this.canvas.classList.add('panning');
    }
    e.preventDefault();
  }

  private onPointerMove(e: PointerEvent): void {
    const p = this.local(e);
    const d = this.drag;
    if (d.kind === 'none') {
      const hit = this.hitAt(p);
      const id = hit && !hit.region ? hit.id : null;
      this.canvas.style.cursor = id ? 'pointer' : 'grab';
      if (id !== this.hover) {
        this.hover = id;
        this.invalidate();
      }
      return;
    }
    if (e.pointerId !== d.pointerId) return;
    if (!d.moved && Math.hypot(p.x - d.start.x, p.y - d.start.y) < DRAG_THRESHOLD_PX) return;
    d.moved = true;
    if (d.kind === 'pan') {
      this.view = pan(this.view, p.x - d.last.x, p.y - d.last.y);
      d.last = p;
    } else {
      const n = this.nodes.get(d.id);
      if (!n) return;
      const w = screenToWorld(this.view, p);
      n.x = w.x + d.offset.x;
      n.y = w.y + d.offset.y;
      this.computeBubbles(this.ancestorsOf(n.id));
      this.canvas.style.cursor = 'grabbing';
    }
    this.invalidate();
  }

  private onPointerUp(e: PointerEvent): void {
    const d = this.drag;
    if (d.kind === 'none' || e.pointerId !== d.pointerId) return;
    this.drag = { kind: 'none' };
    this.canvas.classList.remove('panning');
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    if (d.kind === 'pan') {
      if (!d.moved) this.select(d.regionId, e.shiftKey || e.metaKey || e.ctrlKey);
      return;
    }
    if (!d.moved) {
      this.select(d.id, d.additive);
      return;
    }
    const n = this.nodes.get(d.id);
    if (!n) return;
    const to = { x: n.x, y: n.y };
    if (!this.selected.includes(n.id)) this.select(n.id, false);
    void this.api.moveNode(n.id, to.x, to.y).then(() => {
      n.locked = true;
      this.options.announce(`Moved “${n.title}” and locked it in place.`);
      this.renderPanel(true);
      this.invalidate();
    }, (err: unknown) => {
      n.x = d.from.x;
      n.y = d.from.y;
      this.computeBubbles(this.ancestorsOf(n.id));
      this.invalidate();
      this.options.onError(err);
    });
  }

  private cancelDrag(): void {
    const d = this.drag;
    if (d.kind === 'node') {
      const n = this.nodes.get(d.id);
      if (n) {
        n.x = d.from.x;
        n.y = d.from.y;
        this.computeBubbles(this.ancestorsOf(n.id));
      }
    }
    this.drag = { kind: 'none' };
    this.canvas.classList.remove('panning');
    this.invalidate();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    this.view = zoomAt(this.view, this.local(e), wheelFactor(e.deltaY, e.deltaMode), this.baseScale / 20, this.baseScale * 400);
    this.invalidate();
  }

  private onKey(e: KeyboardEvent): void {
    const step = 60;
    switch (e.key) {
      case 'ArrowLeft': this.view = pan(this.view, step, 0); break;
      case 'ArrowRight': this.view = pan(this.view, -step, 0); break;
      case 'ArrowUp': this.view = pan(this.view, 0, step); break;
      case 'ArrowDown': this.view = pan(this.view, 0, -step); break;
      case '+': case '=': this.zoomBy(1.4); break;
      case '-': case '_': this.zoomBy(1 / 1.4); break;
      case '0': this.fit(); break;
      case 'Escape': this.select(null, false); break;
      case ']': case '[': this.cycle(e.key === ']' ? 1 : -1, e.shiftKey); break;
      default: return;
    }
    e.preventDefault();
    this.invalidate();
  }

  /** Keyboard selection: the next or previous drawn node (left to right). */
  private cycle(dir: 1 | -1, additive: boolean): void {
    const ids = this.lastShapes.filter((s) => !s.region).sort((a, b) => a.x - b.x || a.y - b.y).map((s) => s.id);
    if (ids.length === 0) return;
    const cur = this.selected.at(-1);
    const i = cur ? ids.indexOf(cur) : -1;
    const next = ids[(i + dir + ids.length) % ids.length]!;
    this.select(next, additive);
    // Keep it in view.
    const n = this.nodes.get(next)!;
    const p = worldToScreen(this.view, n);
    if (p.x < 20 || p.y < 20 || p.x > this.width - 20 || p.y > this.height - 20) {
      this.view = pan(this.view, this.width / 2 - p.x, this.height / 2 - p.y);
    }
  }

  /** Selects `id` (null clears); additive keeps the previous one, so two nodes can be connected. */
  select(id: Id | null, additive: boolean): void {
    if (id === null) this.selected = [];
    else if (additive) {
      this.selected = this.selected.includes(id) ? this.selected.filter((s) => s !== id) : [...this.selected, id].slice(-2);
    } else this.selected = [id];
    const last = this.selected.at(-1);
    const n = last ? this.nodes.get(last) : undefined;
    if (n) this.options.announce(this.selected.length === 2 ? `Selected two nodes: “${this.nodes.get(this.selected[0]!)?.title ?? ''}” and “${n.title}”.` : `Selected ${n.kind} “${n.title}”.`);
    this.canvas.dataset.selected = this.selected.join(' ');
    this.renderPanel();
    this.invalidate();
  }

  // ---- side panel ---------------------------------------------------------------------------

  private renderPanel(force = false): void {
    const key = this.selected.join(' ');
    if (!force && key === this.panelFor) return;
    this.panelFor = key;
    const nodes = this.selected.map((id) => this.nodes.get(id)).filter((n): n is ViewNode => n !== undefined);
    if (nodes.length === 0) {
      this.panel.replaceChildren(
        h('h3', {}, 'Map'),
        h('p', { class: 'meta' }, `${this.nodes.size} nodes · ${this.edges.length} edges`),
        h('p', { class: 'hint' }, 'Click a node to see it; Shift-click a second node to connect them. Drag a node to move it: it stays where you put it.'),
      );
      return;
    }
    if (nodes.length === 2) {
      this.panel.replaceChildren(this.connectForm(nodes[0]!, nodes[1]!));
      return;
    }
    const n = nodes[0]!;
    const lock = h('button', { type: 'button' }, n.locked ? 'Unlock position' : 'Lock position');
    lock.addEventListener('click', () => void this.guard(async () => {
      await this.api.lockNode(n.id, !n.locked);
      n.locked = !n.locked;
      this.renderPanel(true);
      this.invalidate();
    }));
    const comments = h('ul', { class: 'comments', 'data-testid': 'comments', 'aria-label': 'Comments' }, h('li', { class: 'meta' }, 'Loading comments…'));
    const text = h('textarea', { rows: '2', 'aria-label': 'Comment', placeholder: 'Add a comment…', required: '' });
    const form = h('form', { class: 'comment-form' }, text, h('button', { type: 'submit' }, 'Add comment'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = text.value.trim();
      if (!body) return;
      void this.guard(async () => {
        await this.api.addComment(n.id, body);
        text.value = '';
        await this.loadComments(n.id, comments);
        this.options.announce('Comment added.');
      });
    });
    const connected = this.edges.filter((e) => e.from === n.id || e.to === n.id);
    fill(this.panel,
      h('h3', {}, n.title || 'Untitled'),
      h('p', { class: 'meta' }, [n.kind, n.hasPosition ? `at ${n.x.toFixed(1)}, ${n.y.toFixed(1)}` : 'not placed', n.locked ? 'locked' : ''].filter(Boolean).join(' · ')),
      n.body ? h('p', { class: 'node-body' }, n.body) : null,
      n.kind === 'cluster' ? h('p', { class: 'meta' }, `${this.children.get(n.id)?.length ?? 0} members`) : null,
      lock,
      connected.length ? h('h4', {}, 'Connections') : null,
      connected.length ? h('ul', { class: 'edges' }, ...connected.slice(0, 30).map((e) => this.edgeItem(e, n.id))) : null,
      h('h4', {}, 'Comments'),
      comments,
      form,
    );
    void this.loadComments(n.id, comments);
  }

  private edgeItem(e: ViewEdge, from: Id): HTMLLIElement {
    const other = this.nodes.get(e.from === from ? e.to : e.from);
    const label = `${e.label ? `${e.label}: ` : ''}${other?.title ?? '?'}`;
    const del = e.kind === 'user' ? h('button', { type: 'button', class: 'delete', 'aria-label': `Delete connection ${label}` }, '×') : null;
    del?.addEventListener('click', () => void this.guard(async () => {
      await this.api.deleteEdge(e.id);
      await this.reload();
    }));
    return h('li', {}, h('span', { class: 'chip' }, e.kind), ` ${label}`, del);
  }

  private connectForm(a: ViewNode, b: ViewNode): HTMLElement {
    const label = h('input', { 'aria-label': 'Connection label', placeholder: 'Label (e.g. supports)' });
    const form = h('form', { class: 'connect', 'data-testid': 'connect' }, label, h('button', { type: 'submit' }, 'Add edge'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.guard(async () => {
        await this.api.addEdge(this.spaceId, a.id, b.id, label.value.trim());
        this.options.announce(`Connected “${a.title}” to “${b.title}”.`);
        this.selected = [b.id];
        await this.reload();
      });
    });
    return h('div', {}, h('h3', {}, 'Two nodes'), h('p', {}, `${a.title} → ${b.title}`), form);
  }

  private async loadComments(nodeId: Id, list: HTMLUListElement): Promise<void> {
    try {
      const comments = await this.api.comments(nodeId);
      if (this.selected.at(-1) !== nodeId) return;
      list.replaceChildren(...comments.map((c) => {
        const del = h('button', { type: 'button', class: 'delete', 'aria-label': 'Delete comment' }, '×');
        del.addEventListener('click', () => void this.guard(async () => {
          await this.api.deleteComment(c.id);
          await this.loadComments(nodeId, list);
        }));
        return h('li', {}, h('span', { class: 'comment-text' }, c.text), h('time', { class: 'meta', datetime: c.createdAt }, new Date(c.createdAt).toLocaleString()), del);
      }));
      if (comments.length === 0) list.append(h('li', { class: 'meta' }, 'No comments yet.'));
    } catch (e) {
      this.options.onError(e);
    }
  }

  private async guard(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (e) {
      this.options.onError(e);
    }
  }

  private async reload(): Promise<void> {
    this.stale = true;
    await this.load();
  }

  // ---- tools --------------------------------------------------------------------------------

  /** Runs a layout of the whole space with a progress bar and a Cancel button. */
  async layout(): Promise<void> {
    this.layoutButton.disabled = true;
    this.canvas.dataset.layout = 'running';
    const ok = await runLayout(this.api, this.spaceId, this.options);
    this.canvas.dataset.layout = ok ? 'done' : 'failed';
    this.layoutButton.disabled = false;
    if (ok) await this.refit();
  }

  /** Reloads and fits the whole map (after a layout or an import). */
  async refit(): Promise<void> {
    this.fitted = false;
    await this.reload();
    this.fit();
  }

  private async exportCanvas(): Promise<void> {
    await this.guard(async () => {
      const json = await this.api.exportCanvas(this.spaceId);
      const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
      const a = h('a', { href: url, download: 'map.canvas' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      this.options.announce('Exported the map as map.canvas.');
    });
  }

  private async importCanvas(): Promise<void> {
    const file = this.importInput.files?.[0];
    if (!file) return;
    await this.guard(async () => {
      const summary = await this.api.importCanvas(this.spaceId, await file.text());
      await this.refit();
      this.options.announce(summary);
    });
    this.importInput.value = '';
  }
}


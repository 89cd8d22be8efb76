// What the map view needs from `store.map`, and the adapters from the map API's types to the
// view's. The map API (js/map.ts, js/map-types.ts) is the source of truth; this file is the one
// place that knows its shapes, so the canvas code does not change when they do.
import type { Id, JsonObject, LayoutProgress, LayoutResult, MapApi, MapEdge, MapNode, NodeKind, Store } from '../js/index.js';

export type { NodeKind };

export interface ViewNode {
  id: Id;
  kind: NodeKind;
  title: string;
  body: string | null;
  parentId: Id | null;
  depth: number;
  x: number;
  y: number;
  hasPosition: boolean;
  locked: boolean;
  size: number;
  color: string | null;
  sourceId: Id | null;
}

export interface ViewEdge {
  id: Id;
  from: Id;
  to: Id;
  label: string | null;
  kind: string;
  dashed: boolean;
  color: string | null;
  strength: number;
}

export interface ViewComment {
  id: Id;
  text: string;
  createdAt: string;
}

/** The calls the view makes, in the view's terms. */
export interface MapPort {
  nodes(spaceId: Id): Promise<ViewNode[]>;
  edges(spaceId: Id): Promise<ViewEdge[]>;
  moveNode(id: Id, x: number, y: number): Promise<void>;
  lockNode(id: Id, locked: boolean): Promise<void>;
  addEdge(spaceId: Id, from: Id, to: Id, label: string): Promise<void>;
  deleteEdge(id: Id): Promise<void>;
  comments(nodeId: Id): Promise<ViewComment[]>;
  addComment(nodeId: Id, text: string): Promise<void>;
  deleteComment(id: Id): Promise<void>;
  /** Places new nodes with the saved projection (no refit); null when the space has no map yet. */
  place(spaceId: Id): Promise<number | null>;
  layout(spaceId: Id, onProgress: (fraction: number | null, text: string) => void, signal: AbortSignal): Promise<string>;
  exportCanvas(spaceId: Id): Promise<string>;
  importCanvas(spaceId: Id, text: string): Promise<string>;
}

/** JSON Canvas's preset colours "1"-"6". */
const PRESET: Record<string, string> = { 1: '#e5484d', 2: '#f76b15', 3: '#e2b203', 4: '#30a46c', 5: '#0091ff', 6: '#8e4ec6' };

export function colorOf(props: JsonObject | null | undefined): string | null {
  const c = props?.color;
  if (typeof c !== 'string') return null;
  if (PRESET[c]) return PRESET[c];
  return /^#[0-9a-f]{3,8}$/i.test(c) ? c : null;
}

/** The view's node from the API's. */
export function toViewNode(n: MapNode): ViewNode {
  const pos = n.position2d;
  const placed = pos !== null && Number.isFinite(pos.x) && Number.isFinite(pos.y);
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    parentId: n.parentNodeId,
    depth: n.depthLevel,
    x: placed ? pos.x : 0,
    y: placed ? pos.y : 0,
    hasPosition: placed,
    locked: n.isPositionLocked,
    size: n.size,
    color: colorOf(n.displayProps),
    sourceId: n.contentSourceId,
  };
}

/** The view's edge from the API's: dashed when its style says `line_type: 'dashed'` (or dotted). */
export function toViewEdge(e: MapEdge): ViewEdge {
  const style = e.style ?? {};
  const line = style.line_type ?? style.lineType;
  return {
    id: e.id,
    from: e.from,
    to: e.to,
    label: e.label,
    kind: e.kind,
    dashed: line === 'dashed' || line === 'dotted' || style.dashed === true,
    color: colorOf(style),
    strength: Math.max(0, Math.min(1, Number.isFinite(e.strength) ? e.strength : 1)),
  };
}

/** "Laying out the map: 40%" from a layout progress report. */
export function describeLayout(p: LayoutProgress): { fraction: number | null; text: string } {
  const fraction = Number.isFinite(p.fraction) ? Math.max(0, Math.min(1, p.fraction)) : null;
  const stage = p.stage === 'start' ? 'starting' : p.stage === 'done' ? 'done' : 'projecting and clustering';
  return { fraction, text: `Laying out the map: ${stage}${fraction === null ? '…' : ` ${Math.round(fraction * 100)}%`}` };
}

/** One line about a finished layout. */
export function describeLayoutResult(r: LayoutResult): string {
  const parts = [`${r.chunks} passages placed`];
  if (r.clusters) parts.push(`${r.clusters.nodes} clusters`);
  if (r.concepts) parts.push(`${r.concepts.communities} communities`);
  const t = r.projection?.metrics.trustworthiness;
  if (typeof t === 'number') parts.push(`trustworthiness ${t.toFixed(2)}`);
  return `Laid out the map in ${(r.durationMs / 1000).toFixed(1)} s: ${parts.join(', ')}.`;
}

/** The map port of `store`, or null when this build has no map API. */
export function mapPortOf(store: Store): MapPort | null {
  const api: MapApi | undefined = (store as Partial<Pick<Store, 'map'>>).map;
  if (!api || typeof api.layout !== 'function') return null;
  return {
    nodes: async (spaceId) => (await api.nodes(spaceId)).map(toViewNode),
    edges: async (spaceId) => (await api.edges(spaceId)).map(toViewEdge),
    moveNode: async (id, x, y) => {
      await api.moveNode(id, { x, y }, { lock: true });
    },
    lockNode: async (id, locked) => {
      await api.lockNode(id, locked);
    },
    addEdge: async (spaceId, from, to, label) => {
      await api.addEdge(spaceId, label ? { from, to, label } : { from, to });
    },
    deleteEdge: async (id) => {
      await api.deleteEdge(id);
    },
    comments: async (nodeId) => (await api.comments(nodeId)).map((c) => ({ id: c.id, text: c.text, createdAt: c.createdAt })),
    addComment: async (nodeId, text) => {
      await api.addComment(nodeId, text);
    },
    deleteComment: async (id) => {
      await api.deleteComment(id);
    },
    place: async (spaceId) => {
      try {
        return (await api.place(spaceId)).placed;
      } catch (e) {
        if ((e as { code?: string }).code === 'FAILED_PRECONDITION') return null;
        throw e;
      }
    },
    layout: async (spaceId, onProgress, signal) => {
      const r = await api.layout(spaceId, {
        projection: 'umap', dims: 2, clusters: 'hdbscan', signal,
        onProgress: (p) => {
          const d = describeLayout(p);
          onProgress(d.fraction, d.text);
        },
      });
      return describeLayoutResult(r);
    },
    exportCanvas: async (spaceId) => JSON.stringify(await api.exportCanvas(spaceId), null, 2),
    importCanvas: async (spaceId, text) => {
      const r = await api.importCanvas(spaceId, text);
      return `Imported the .canvas file: ${r.nodes} nodes, ${r.edges} edges, ${r.groups} groups.`;
    },
  };
}

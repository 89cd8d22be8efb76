// store.map: the knowledge map of a space (nodes, edges, comments, layouts, concepts, JSON Canvas).
// Each method is one engine call (validation and errors come from the engine) except layout,
// which runs as a job in the worker with progress and cancellation.
import type { Channel } from './client.js';
import { objectArg } from './errors.js';
import type { Id, JobOptions } from './types.js';
import type {
  AddEdgeInput,
  AddNodeInput,
  CanvasDocument,
  Community,
  Concept,
  ConceptsOptions,
  EdgeUpdate,
  EdgesOptions,
  ExportCanvasOptions,
  ImportCanvasResult,
  LayoutOptions,
  LayoutProgress,
  LayoutResult,
  MapComment,
  MapEdge,
  MapModel,
  MapNode,
  MoveOptions,
  NodeUpdate,
  NodesOptions,
  PlaceResult,
  Point2,
  Point3,
} from './map-types.js';

// objectArg, typed as the whole options object (every field of these is optional).
const opts = <T extends object>(o: T | undefined, field: string): T => objectArg(o, field) as T;

export class MapApi {
  constructor(private readonly channel: Channel) {}

  /** Clusters, projects and labels the space's chunks (a refit: new model versions). */
  layout(spaceId: Id, options?: LayoutOptions): Promise<LayoutResult> {
    const { onProgress, signal, ...rest } = opts(options, 'options');
    const job: JobOptions<LayoutProgress> = {};
    if (onProgress !== undefined) job.onProgress = onProgress;
    if (signal !== undefined) job.signal = signal;
    return this.channel.job<LayoutResult, LayoutProgress>('mapLayout', { spaceId, ...rest }, job);
  }

  /** Places chunks that have no position yet with the active projection model (no refit). */
  place(spaceId: Id): Promise<PlaceResult> {
    return this.channel.call('mapPlace', { spaceId });
  }

  nodes(spaceId: Id, options?: NodesOptions): Promise<MapNode[]> {
    return this.channel.call('mapNodes', { spaceId, ...opts(options, 'options') });
  }

  node(nodeId: Id): Promise<MapNode> {
    return this.channel.call('mapNode', { nodeId });
  }

  addNode(spaceId: Id, input: AddNodeInput): Promise<MapNode> {
    return this.channel.call('mapAddNode', { spaceId, ...opts(input, 'input') });
  }

  /** Soft-deletes a note, memory or cluster node (its children move to its parent). */
  deleteNode(nodeId: Id): Promise<MapNode> {
    return this.channel.call('mapDeleteNode', { nodeId });
  }

  /** Moves a node: `{ x, y }` sets position2d, `{ x, y, z }` position3d. */
  moveNode(nodeId: Id, position: Point2 | Point3, options?: MoveOptions): Promise<MapNode> {
    const p = opts(position, 'position');
    const args: Record<string, unknown> = { nodeId, ...opts(options, 'options') };
    if ('z' in p) args.position3d = p;
    else args.position2d = p;
    return this.channel.call('mapMoveNode', args);
  }

  lockNode(nodeId: Id, locked = true): Promise<MapNode> {
    return this.channel.call('mapLockNode', { nodeId, locked });
  }

  setVisibility(nodeId: Id, visible: boolean): Promise<MapNode> {
    return this.channel.call('mapSetVisibility', { nodeId, visible });
  }

  updateNode(nodeId: Id, update: NodeUpdate): Promise<MapNode> {
    return this.channel.call('mapUpdateNode', { nodeId, ...opts(update, 'update') });
  }

  addEdge(spaceId: Id, input: AddEdgeInput): Promise<MapEdge> {
    return this.channel.call('mapAddEdge', { spaceId, ...opts(input, 'input') });
  }

  updateEdge(edgeId: Id, update: EdgeUpdate): Promise<MapEdge> {
    return this.channel.call('mapUpdateEdge', { edgeId, ...opts(update, 'update') });
  }

  deleteEdge(edgeId: Id): Promise<MapEdge> {
    return this.channel.call('mapDeleteEdge', { edgeId });
  }

  edges(spaceId: Id, options?: EdgesOptions): Promise<MapEdge[]> {
    return this.channel.call('mapEdges', { spaceId, ...opts(options, 'options') });
  }

  addComment(nodeId: Id, text: string): Promise<MapComment> {
    return this.channel.call('mapAddComment', { nodeId, text });
  }

  comments(nodeId: Id, options?: { includeDeleted?: boolean }): Promise<MapComment[]> {
    return this.channel.call('mapComments', { nodeId, ...opts(options, 'options') });
  }

  deleteComment(commentId: Id): Promise<MapComment> {
    return this.channel.call('mapDeleteComment', { commentId });
  }

  /** The space's model registry: every model with its versions. */
  models(spaceId: Id): Promise<MapModel[]> {
    return this.channel.call('mapModels', { spaceId });
  }

  concepts(spaceId: Id, options?: ConceptsOptions): Promise<Concept[]> {
    return this.channel.call('mapConcepts', { spaceId, ...opts(options, 'options') });
  }

  communities(spaceId: Id): Promise<Community[]> {
    return this.channel.call('mapCommunities', { spaceId });
  }

  mergeConcepts(from: Id, into: Id): Promise<{ from: Concept; into: Concept }> {
    return this.channel.call('mapMergeConcepts', { from, into });
  }

  /** The space's map as JSON Canvas 1.0. */
  exportCanvas(spaceId: Id, options?: ExportCanvasOptions): Promise<CanvasDocument> {
    return this.channel.call('mapExportCanvas', { spaceId, ...opts(options, 'options') });
  }

  /** Imports a JSON Canvas (object or .canvas text) as notes, groups and edges: all or nothing. */
  importCanvas(spaceId: Id, canvas: CanvasDocument | string): Promise<ImportCanvasResult> {
    return this.channel.call('mapImportCanvas', { spaceId, canvas });
  }
}

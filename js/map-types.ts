// Public types of store.map (the knowledge map). Field names follow the seeds in camelCase.
import type { Id, JobOptions, JsonObject } from './types.js';

export type NodeKind = 'source' | 'chunk' | 'cluster' | 'memory' | 'concept' | 'note';
export type EdgeKind = 'user' | 'wikilink' | 'similarity' | 'concept';
export type Side = 'top' | 'right' | 'bottom' | 'left';

export interface Point2 { x: number; y: number }
export interface Point3 { x: number; y: number; z: number }

export interface MapNode {
  id: Id;
  spaceId: Id;
  kind: NodeKind;
  /** 'system' nodes are made by ingest and layout (system clusters are replaced by a refit). */
  origin: 'user' | 'system';
  contentSourceId: Id | null;
  chunkLabel: number | null;
  conceptId: Id | null;
  memoryId: Id | null;
  parentNodeId: Id | null;
  contentEntityType: string | null;
  mediaType: string | null;
  /** 1 for roots, parent's depth + 1 below. */
  depthLevel: number;
  title: string;
  body: string | null;
  position2d: Point2 | null;
  position3d: Point3 | null;
  isPositionLocked: boolean;
  visibility: boolean;
  displayProps: JsonObject;
  actionData: JsonObject;
  engagementScore: Record<string, number>;
  /** Chunks in a cluster or source. */
  size: number;
  clusteringModelVersionId: Id | null;
  drModelVersionId: Id | null;
  dr3ModelVersionId: Id | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface MapEdge {
  id: Id;
  spaceId: Id;
  from: Id;
  to: Id;
  kind: EdgeKind;
  label: string | null;
  /** In [0, 1]. */
  strength: number;
  sourceHandle: Side | null;
  targetHandle: Side | null;
  style: JsonObject;
  createdBy: Id;
  updatedBy: Id;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface MapComment {
  id: Id;
  nodeId: Id;
  text: string;
  createdBy: Id;
  updatedBy: Id;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export interface LayoutProgress {
  stage: 'start' | 'layout' | 'done';
  fraction: number;
}

export interface LayoutOptions extends JobOptions<LayoutProgress> {
  /** 'umap' (default) or 'pca' (fast path). */
  projection?: 'umap' | 'pca';
  /** 2 (default) or 3. */
  dims?: 2 | 3;
  /** 'hdbscan' (default: clusters inside clusters), 'kmeans' or 'none'. */
  clusters?: 'hdbscan' | 'kmeans' | 'none';
  /** k-means cluster count (default sqrt(n / 2), at most 50). */
  k?: number;
  /** HDBSCAN minimum cluster size (default clamp(n / 300, 5, 25)). */
  minClusterSize?: number;
  nNeighbors?: number;
  minDist?: number;
  /** Extract concepts and communities (default true). */
  concepts?: boolean;
  seed?: number;
}

export interface LayoutResult {
  spaceId: Id;
  chunks: number;
  durationMs: number;
  concepts?: { terms: number; communities: number; modularity: number; versionId: Id; ms: number };
  clusters?: { algorithm: string; nodes: number; flat: number; noise: number; silhouette: number | null; versionId: Id; ms: number };
  projection?: {
    algorithm: string;
    dims: number;
    knn: string;
    metrics: { trustworthiness?: number; continuity?: number; k?: number; rowsScored?: number };
    versionId: Id;
    ms: number;
  };
}

export interface PlaceResult {
  spaceId: Id;
  versionId: Id;
  placed: number;
  ms: number;
}

export interface NodesOptions {
  /** Exactly this depth (1 = roots: sources, top-level clusters, notes). */
  depth?: number;
  maxDepth?: number;
  kind?: NodeKind;
  kinds?: NodeKind[];
  parentNodeId?: Id;
  viewport?: { minX: number; minY: number; maxX: number; maxY: number };
  includeHidden?: boolean;
  includeDeleted?: boolean;
  limit?: number;
}

export interface AddNodeInput {
  kind: 'note' | 'cluster' | 'memory';
  title?: string;
  body?: string;
  parentNodeId?: Id;
  position2d?: Point2;
  position3d?: Point3;
  lock?: boolean;
  displayProps?: JsonObject;
  actionData?: JsonObject;
  memoryId?: Id;
}

export interface NodeUpdate {
  title?: string;
  body?: string | null;
  /** null moves the node to the root. Cycles are rejected. */
  parentNodeId?: Id | null;
  displayProps?: JsonObject;
  actionData?: JsonObject;
  engagementScore?: Record<string, number>;
}

export interface MoveOptions {
  /** Lock (true) or unlock (false) the position; unchanged when absent. */
  lock?: boolean;
}

export interface AddEdgeInput {
  from: Id;
  to: Id;
  label?: string;
  kind?: 'user' | 'similarity' | 'concept';
  strength?: number;
  style?: JsonObject;
  sourceHandle?: Side;
  targetHandle?: Side;
}

export interface EdgeUpdate {
  label?: string | null;
  strength?: number;
  style?: JsonObject;
  sourceHandle?: Side;
  targetHandle?: Side;
}

export interface EdgesOptions {
  nodeId?: Id;
  kinds?: EdgeKind[];
  includeDeleted?: boolean;
  limit?: number;
}

export interface ModelVersion {
  id: Id;
  modelId: Id;
  versionNumber: number;
  status: 'training' | 'available' | 'archived' | 'failed';
  trainingMetadata: JsonObject;
  performanceMetrics: JsonObject;
  artifactHash: string | null;
  artifactBytes: number;
  createdAt: string;
}

export interface MapModel {
  id: Id;
  modelName: string;
  modelScope: 'SPACE';
  spaceId: Id;
  ownerId: Id;
  modelType: 'clustering' | 'dimensionality_reduction' | 'community_detection';
  algorithm: string;
  activeVersionId: Id | null;
  creationParams: JsonObject;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
  versions: ModelVersion[];
}

export interface Concept {
  id: Id;
  spaceId: Id;
  name: string;
  type: 'keyphrase' | 'entity';
  description: string | null;
  status: 'active' | 'merged' | 'archived';
  salience: number;
  mentionCount: number;
  communityId: Id | null;
  mergedIntoConceptId: Id | null;
  createdAt: string;
  lastUpdatedTs: string;
}

export interface ConceptsOptions {
  communityId?: Id;
  type?: 'keyphrase' | 'entity';
  minMentions?: number;
  includeMerged?: boolean;
  limit?: number;
}

export interface Community {
  id: Id;
  spaceId: Id;
  name: string;
  description: string | null;
  size: number;
  modelVersionId: Id | null;
  createdAt: string;
  topConcepts: string[];
}

/** JSON Canvas 1.0 (https://jsoncanvas.org). */
export interface CanvasNode {
  id: string;
  type: 'text' | 'file' | 'link' | 'group';
  x: number;
  y: number;
  width: number;
  height: number;
  color?: string;
  text?: string;
  file?: string;
  subpath?: string;
  url?: string;
  label?: string;
  background?: string;
  backgroundStyle?: 'cover' | 'ratio' | 'repeat';
}
export interface CanvasEdge {
  id: string;
  fromNode: string;
  fromSide?: Side;
  fromEnd?: 'none' | 'arrow';
  toNode: string;
  toSide?: Side;
  toEnd?: 'none' | 'arrow';
  color?: string;
  label?: string;
}
export interface CanvasDocument {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

export interface ExportCanvasOptions {
  maxDepth?: number;
  kinds?: NodeKind[];
}

export interface ImportCanvasResult {
  spaceId: Id;
  nodes: number;
  edges: number;
  groups: number;
  /** Canvas node id -> map node id. */
  nodeIds: Record<string, Id>;
}

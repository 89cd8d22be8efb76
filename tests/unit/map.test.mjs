// The knowledge map through the public API (worker + wasm, real SQLite file): nodes from ingest,
// wikilink edges, layout (clusters inside clusters, UMAP/PCA), hierarchy invariants, locks across
// refits, placement of new chunks with the saved model, the model registry, concepts and
// communities, JSON Canvas round trip, and bad input that must change nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { kspace, rejectsWith, ROOT, tempDir } from '../helpers/store.mjs';

const { openStore } = kspace;
const SAMPLE = path.join(ROOT, 'demo', 'sample');
const notes = fs.readdirSync(SAMPLE).filter((f) => f.endsWith('.md')).sort()
  .map((f) => ({ title: f.replace(/\.md$/, ''), text: fs.readFileSync(path.join(SAMPLE, f), 'utf8'), mediaType: 'document', origin: 'vault', path: f }));

let store;
let space;
let firstRun;
const progress = [];

before(async () => {
  store = await openStore({ path: path.join(tempDir(), 'map.kspace') });
  space = await store.createSpace({ title: 'Map' });
  await store.ingest(space.id, notes);
  firstRun = await store.map.layout(space.id, { projection: 'umap', dims: 2, clusters: 'hdbscan', minClusterSize: 5, onProgress: (p) => progress.push(p) });
});
after(() => store?.close());

/** Every live node's depth is 1 at a root and parent's depth + 1 below; parents exist; no cycles. */
async function assertHierarchy(spaceId) {
  const nodes = await store.map.nodes(spaceId, { includeHidden: true, includeDeleted: true });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const n of nodes) {
    if (n.parentNodeId === null) {
      assert.equal(n.depthLevel, 1, `root ${n.kind} ${n.id} at depth ${n.depthLevel}`);
      continue;
    }
    const p = byId.get(n.parentNodeId);
    assert.ok(p, `parent of ${n.id} exists`);
    assert.equal(n.depthLevel, p.depthLevel + 1, `${n.kind} ${n.title} depth ${n.depthLevel} under depth ${p.depthLevel}`);
    const seen = new Set([n.id]);
    for (let up = p; up; up = up.parentNodeId ? byId.get(up.parentNodeId) : null) {
      assert.ok(!seen.has(up.id), 'cycle in the hierarchy');
      seen.add(up.id);
    }
  }
  return nodes;
}

test('ingest creates a source node per source and a chunk node per chunk; wikilinks become edges', async () => {
  const sources = await store.map.nodes(space.id, { kind: 'source' });
  assert.equal(sources.length, notes.length);
  const chunks = await store.map.nodes(space.id, { kind: 'chunk' });
  assert.equal(chunks.length, firstRun.chunks);
  const wikilinks = await store.map.edges(space.id, { kinds: ['wikilink'] });
  assert.ok(wikilinks.length > 10, `${wikilinks.length} wikilink edges`);
  const ids = new Set(sources.map((s) => s.id));
  for (const e of wikilinks) assert.ok(ids.has(e.from) && ids.has(e.to) && e.from !== e.to);
});

test('layout positions, clusters (nested) and labels the chunks and reports progress', async () => {
  assert.ok(firstRun.clusters.nodes >= 2, JSON.stringify(firstRun.clusters));
  assert.equal(firstRun.projection.algorithm, 'UMAP');
  assert.ok(firstRun.projection.metrics.trustworthiness > 0.7, JSON.stringify(firstRun.projection.metrics));
  assert.equal(progress.at(-1).stage, 'done');
  const nodes = await assertHierarchy(space.id);
  const chunks = nodes.filter((n) => n.kind === 'chunk' && !n.deletedAt);
  for (const c of chunks) {
    assert.ok(c.position2d && Number.isFinite(c.position2d.x) && Number.isFinite(c.position2d.y));
    assert.equal(c.drModelVersionId, firstRun.projection.versionId);
  }
  const clusters = nodes.filter((n) => n.kind === 'cluster' && !n.deletedAt);
  assert.ok(clusters.length >= 2);
  for (const c of clusters) {
    assert.ok(c.title.length > 0 && c.size >= 5, `${c.title} (${c.size})`);
    assert.equal(c.clusteringModelVersionId, firstRun.clusters.versionId);
  }
  // Chunks under clusters point at the clustering version.
  assert.ok(chunks.some((c) => c.clusteringModelVersionId === firstRun.clusters.versionId));
  const top = await store.map.nodes(space.id, { depth: 1 });
  assert.ok(top.some((n) => n.kind === 'source') && top.some((n) => n.kind === 'cluster'));
  assert.ok(top.every((n) => n.depthLevel === 1));
});

test('viewport and kind filters', async () => {
  const all = await store.map.nodes(space.id, { kind: 'chunk' });
  const xs = all.map((n) => n.position2d.x).sort((a, b) => a - b);
  const mid = xs[Math.floor(xs.length / 2)];
  const left = await store.map.nodes(space.id, { kind: 'chunk', viewport: { minX: -1e9, minY: -1e9, maxX: mid, maxY: 1e9 } });
  assert.ok(left.length > 0 && left.length < all.length);
  assert.ok(left.every((n) => n.position2d.x <= mid));
});

test('locked positions never change across refits (UMAP and PCA, 2D)', async () => {
  const chunks = await store.map.nodes(space.id, { kind: 'chunk' });
  const a = chunks[3];
  const b = chunks[17];
  await store.map.moveNode(a.id, { x: 120, y: -40 }, { lock: true });
  await store.map.moveNode(b.id, { x: -5000.5, y: 777 }, { lock: true });
  await store.map.layout(space.id, { projection: 'umap', clusters: 'kmeans', k: 4, seed: 7 });
  await store.map.layout(space.id, { projection: 'pca', clusters: 'hdbscan', minClusterSize: 5 });
  const a2 = await store.map.node(a.id);
  const b2 = await store.map.node(b.id);
  assert.deepEqual(a2.position2d, { x: 120, y: -40 });
  assert.deepEqual(b2.position2d, { x: -5000.5, y: 777 });
  assert.ok(a2.isPositionLocked && b2.isPositionLocked);
  // Unlocking lets the next refit move it.
  await store.map.lockNode(b.id, false);
  await store.map.layout(space.id, { projection: 'umap', clusters: 'hdbscan', minClusterSize: 5 });
  assert.notDeepEqual((await store.map.node(b.id)).position2d, { x: -5000.5, y: 777 });
  assert.deepEqual((await store.map.node(a.id)).position2d, { x: 120, y: -40 });
  await assertHierarchy(space.id);
});

test('registry rows match runs: one version per run and task, the last active, nodes point at it', async () => {
  const models = await store.map.models(space.id);
  const dr = models.filter((m) => m.modelType === 'dimensionality_reduction');
  const clustering = models.filter((m) => m.modelType === 'clustering');
  const drVersions = dr.flatMap((m) => m.versions);
  const clVersions = clustering.flatMap((m) => m.versions);
  // 4 layouts so far: UMAP, UMAP, PCA, UMAP; HDBSCAN, KMEANS, HDBSCAN, HDBSCAN.
  assert.equal(drVersions.length, 4);
  assert.equal(clVersions.length, 4);
  assert.deepEqual(dr.map((m) => [m.algorithm, m.versions.length]).sort(), [['PCA', 1], ['UMAP', 3]]);
  assert.deepEqual(clustering.map((m) => [m.algorithm, m.versions.length]).sort(), [['HDBSCAN', 3], ['KMEANS', 1]]);
  const umap = dr.find((m) => m.algorithm === 'UMAP');
  assert.ok(umap.isActive && !dr.find((m) => m.algorithm === 'PCA').isActive);
  const last = umap.versions.at(-1);
  assert.equal(umap.activeVersionId, last.id);
  assert.equal(last.status, 'available');
  assert.ok(umap.versions.slice(0, -1).every((v) => v.status === 'archived'));
  assert.deepEqual(umap.versions.map((v) => v.versionNumber), [1, 2, 3]);
  assert.equal(last.trainingMetadata.rows, firstRun.chunks);
  assert.ok(last.trainingMetadata.durationMs >= 0);
  assert.ok(last.performanceMetrics.trustworthiness > 0.5);
  assert.ok(last.artifactBytes > 0 && /^[0-9a-f]{64}$/.test(last.artifactHash));
  const hd = clustering.find((m) => m.algorithm === 'HDBSCAN').versions.at(-1);
  assert.ok('silhouette' in hd.performanceMetrics);
  const chunks = await store.map.nodes(space.id, { kind: 'chunk' });
  const unlocked = chunks.filter((c) => !c.isPositionLocked);
  assert.ok(unlocked.every((c) => c.drModelVersionId === last.id));
  assert.ok(models.some((m) => m.modelType === 'community_detection' && m.versions.length === 4));
});

let dupSourceId;
test('transform places a duplicate of an existing chunk next to it, without a refit', async () => {
  // A source of one chunk, not locked: ingesting the same note again gives an identical chunk.
  const sources = await store.map.nodes(space.id, { kind: 'source' });
  const chunks = await store.map.nodes(space.id, { kind: 'chunk' });
  const one = sources.find((s) => chunks.filter((c) => c.contentSourceId === s.contentSourceId).length === 1 &&
    !chunks.find((c) => c.contentSourceId === s.contentSourceId).isPositionLocked);
  assert.ok(one, 'a one-chunk source');
  const target = chunks.find((c) => c.contentSourceId === one.contentSourceId);
  const note = notes.find((n) => n.title === one.title);
  const versionsBefore = (await store.map.models(space.id)).flatMap((m) => m.versions).length;
  const r = await store.ingest(space.id, [note], { duplicates: 'keep' });
  dupSourceId = r.sources[0].id;
  const placed = await store.map.place(space.id);
  assert.equal(placed.placed, 1);
  assert.equal((await store.map.models(space.id)).flatMap((m) => m.versions).length, versionsBefore, 'no refit');
  const dup = (await store.map.nodes(space.id, { kind: 'chunk' })).filter((c) => c.contentSourceId === dupSourceId);
  assert.equal(dup.length, 1);
  const d = Math.hypot(dup[0].position2d.x - target.position2d.x, dup[0].position2d.y - target.position2d.y);
  assert.ok(d < 60, `duplicate placed ${d.toFixed(1)} units away`);
  assert.ok(d > 0, 'not on top of it (overlap removal)');
  assert.equal(dup[0].drModelVersionId, placed.versionId);
  // It joins the cluster of the chunk it duplicates.
  assert.equal(dup[0].parentNodeId, target.parentNodeId);
  // Nothing left to place: a second call places nothing.
  assert.equal((await store.map.place(space.id)).placed, 0);
  await assertHierarchy(space.id);
});

test('hierarchy: notes under clusters, moves re-derive depth, cycles rejected, deletes lift children', async () => {
  const a = await store.map.addNode(space.id, { kind: 'note', title: 'A', position2d: { x: 0, y: 0 } });
  const b = await store.map.addNode(space.id, { kind: 'note', title: 'B', parentNodeId: a.id });
  const c = await store.map.addNode(space.id, { kind: 'note', title: 'C', parentNodeId: b.id });
  assert.deepEqual([a.depthLevel, b.depthLevel, c.depthLevel], [1, 2, 3]);
  const cluster = (await store.map.nodes(space.id, { kind: 'cluster' })).find((n) => n.depthLevel >= 2) ??
    (await store.map.nodes(space.id, { kind: 'cluster' }))[0];
  await store.map.updateNode(a.id, { parentNodeId: cluster.id });
  assert.equal((await store.map.node(c.id)).depthLevel, cluster.depthLevel + 3);
  const before = await store.digest();
  await rejectsWith(store.map.updateNode(a.id, { parentNodeId: c.id }), 'INVALID_ARGUMENT', 'parentNodeId');
  await rejectsWith(store.map.updateNode(a.id, { parentNodeId: a.id }), 'INVALID_ARGUMENT', 'parentNodeId');
  const chunk = (await store.map.nodes(space.id, { kind: 'chunk' }))[0];
  await rejectsWith(store.map.updateNode(a.id, { parentNodeId: chunk.id }), 'INVALID_ARGUMENT', 'parentNodeId');
  assert.equal(await store.digest(), before);
  await store.map.deleteNode(b.id);
  const c2 = await store.map.node(c.id);
  assert.equal(c2.parentNodeId, a.id);
  assert.equal(c2.depthLevel, (await store.map.node(a.id)).depthLevel + 1);
  await store.map.updateNode(a.id, { parentNodeId: null });
  assert.equal((await store.map.node(c.id)).depthLevel, 2);
  // A refit replaces system clusters; user nodes under them move to the root with depths kept consistent.
  await store.map.updateNode(a.id, { parentNodeId: cluster.id });
  await store.map.layout(space.id, { projection: 'pca', clusters: 'hdbscan', minClusterSize: 5, concepts: false });
  assert.equal((await store.map.node(a.id)).parentNodeId, null);
  assert.equal((await store.map.node(c.id)).depthLevel, 2);
  await assertHierarchy(space.id);
});

test('deleting, restoring and purging a source hides, shows and removes its nodes; depths stay consistent', async () => {
  const src = (await store.map.nodes(space.id, { kind: 'source' })).find((s) => s.contentSourceId === dupSourceId);
  const note = await store.map.addNode(space.id, { kind: 'note', title: 'under source', parentNodeId: src.id });
  await store.deleteSource(src.contentSourceId);
  assert.equal((await store.map.nodes(space.id, { kind: 'source' })).find((s) => s.id === src.id), undefined);
  await store.restoreSource(src.contentSourceId);
  assert.ok((await store.map.nodes(space.id, { kind: 'source' })).find((s) => s.id === src.id));
  await store.deleteSource(src.contentSourceId);
  await store.purgeSource(src.contentSourceId);
  await rejectsWith(store.map.node(src.id), 'NOT_FOUND', 'nodeId');
  const n = await store.map.node(note.id);
  assert.equal(n.parentNodeId, null);
  assert.equal(n.depthLevel, 1);
  await assertHierarchy(space.id);
});

test('edges and comments: add, update, list, delete', async () => {
  const [a, b] = await store.map.nodes(space.id, { kind: 'source', limit: 2 });
  const e = await store.map.addEdge(space.id, { from: a.id, to: b.id, label: 'supports', style: { line_type: 'dashed' }, strength: 0.5, sourceHandle: 'right', targetHandle: 'left' });
  assert.equal(e.kind, 'user');
  assert.deepEqual(e.style, { line_type: 'dashed' });
  const u = await store.map.updateEdge(e.id, { label: 'refutes', strength: 0.9 });
  assert.equal(u.label, 'refutes');
  assert.equal(u.strength, 0.9);
  assert.ok((await store.map.edges(space.id, { nodeId: a.id })).some((x) => x.id === e.id));
  await store.map.deleteEdge(e.id);
  assert.ok(!(await store.map.edges(space.id, { nodeId: a.id })).some((x) => x.id === e.id));
  const c = await store.map.addComment(a.id, 'check this against the 2019 data');
  assert.equal((await store.map.comments(a.id))[0].text, 'check this against the 2019 data');
  await store.map.deleteComment(c.id);
  assert.equal((await store.map.comments(a.id)).length, 0);
  assert.equal((await store.map.comments(a.id, { includeDeleted: true })).length, 1);
  const hidden = await store.map.setVisibility(b.id, false);
  assert.equal(hidden.visibility, false);
  assert.ok(!(await store.map.nodes(space.id, { kind: 'source' })).some((n) => n.id === b.id));
  await store.map.setVisibility(b.id, true);
});

test('concepts are unique per (space, name, type), communities are named, merge moves mentions', async () => {
  const concepts = await store.map.concepts(space.id, { minMentions: 2 });
  assert.ok(concepts.length > 10, `${concepts.length} concepts`);
  const keys = new Set(concepts.map((c) => `${c.name}\u0000${c.type}`));
  assert.equal(keys.size, concepts.length);
  const communities = await store.map.communities(space.id);
  assert.ok(communities.length >= 2, `${communities.length} communities`);
  for (const c of communities) assert.ok(c.name.length > 0 && c.topConcepts.length > 0 && c.size >= 2);
  const [x, y] = concepts;
  const merged = await store.map.mergeConcepts(y.id, x.id);
  assert.equal(merged.from.status, 'merged');
  assert.equal(merged.from.mergedIntoConceptId, x.id);
  assert.ok(merged.into.mentionCount >= x.mentionCount);
  await rejectsWith(store.map.mergeConcepts(y.id, x.id), 'FAILED_PRECONDITION', 'from');
  // A refit keeps the merge: the merged name's mentions count for the target.
  await store.map.layout(space.id, { projection: 'pca', clusters: 'none' });
  const after = await store.map.concepts(space.id, { includeMerged: true, minMentions: 0, limit: 100000 });
  assert.equal(after.find((c) => c.id === y.id).mentionCount, 0);
});

test('JSON Canvas: export then import gives the same nodes, edges and groups', async () => {
  await store.map.layout(space.id, { projection: 'pca', clusters: 'hdbscan', minClusterSize: 5, concepts: false });
  const canvas = await store.map.exportCanvas(space.id, { maxDepth: 3 });
  assert.ok(canvas.nodes.length > 0 && canvas.edges.length > 0);
  assert.ok(canvas.nodes.some((n) => n.type === 'group') && canvas.nodes.some((n) => n.type === 'file') && canvas.nodes.some((n) => n.type === 'text'));
  const other = await store.createSpace({ title: 'Imported' });
  const r = await store.map.importCanvas(other.id, JSON.stringify(canvas));
  assert.equal(r.nodes, canvas.nodes.length);
  assert.equal(r.edges, canvas.edges.length);
  const again = await store.map.exportCanvas(other.id);
  const norm = (c) => ({
    nodes: [...c.nodes].sort((a, b) => a.id.localeCompare(b.id)),
    edges: [...c.edges].sort((a, b) => a.id.localeCompare(b.id)),
  });
  assert.deepEqual(norm(again), norm(canvas));
  // Groups contain what they contained: parents by geometry.
  const groups = (await store.map.nodes(other.id, { kind: 'cluster' }));
  assert.equal(groups.length, canvas.nodes.filter((n) => n.type === 'group').length);
  await assertHierarchy(other.id);
});

test('bad input is a typed error naming the field and changes nothing', async () => {
  const [a, b] = await store.map.nodes(space.id, { kind: 'source', limit: 2 });
  const ghost = '0190a5a0-0000-7000-8000-000000000000';
  const before = await store.digest();
  await rejectsWith(store.map.node(ghost), 'NOT_FOUND', 'nodeId');
  await rejectsWith(store.map.moveNode(ghost, { x: 1, y: 2 }), 'NOT_FOUND', 'nodeId');
  await rejectsWith(store.map.moveNode(a.id, { x: NaN, y: 2 }), 'INVALID_ARGUMENT');
  await rejectsWith(store.map.moveNode(a.id, { x: Infinity, y: 2 }), 'INVALID_ARGUMENT');
  await rejectsWith(store.map.moveNode(a.id, { x: 1 }), 'INVALID_ARGUMENT', 'position2d.y');
  await rejectsWith(store.map.addEdge(space.id, { from: a.id, to: a.id }), 'INVALID_ARGUMENT', 'to');
  await rejectsWith(store.map.addEdge(space.id, { from: a.id, to: ghost }), 'NOT_FOUND', 'to');
  await rejectsWith(store.map.addEdge(space.id, { from: a.id, to: b.id, strength: 1.5 }), 'INVALID_ARGUMENT', 'strength');
  await rejectsWith(store.map.addEdge(space.id, { from: a.id, to: b.id, sourceHandle: 'middle' }), 'INVALID_ARGUMENT', 'sourceHandle');
  await rejectsWith(store.map.addComment(ghost, 'x'), 'NOT_FOUND', 'nodeId');
  await rejectsWith(store.map.addComment(a.id, '   '), 'INVALID_ARGUMENT', 'text');
  await rejectsWith(store.map.deleteComment(ghost), 'NOT_FOUND', 'commentId');
  await rejectsWith(store.map.deleteEdge(ghost), 'NOT_FOUND', 'edgeId');
  await rejectsWith(store.map.layout(space.id, { dims: 4 }), 'INVALID_ARGUMENT', 'dims');
  await rejectsWith(store.map.layout(space.id, { projection: 'tsne' }), 'INVALID_ARGUMENT', 'projection');
  await rejectsWith(store.map.layout(ghost), 'NOT_FOUND', 'spaceId');
  await rejectsWith(store.map.nodes(space.id, { viewport: { minX: 5, minY: 0, maxX: 1, maxY: 1 } }), 'INVALID_ARGUMENT', 'viewport.minX');
  await rejectsWith(store.map.nodes(space.id, { bogus: 1 }), 'INVALID_ARGUMENT', 'bogus');
  await rejectsWith(store.map.mergeConcepts(ghost, ghost), 'INVALID_ARGUMENT', 'into');
  // Edges to deleted nodes.
  const note = await store.map.addNode(space.id, { kind: 'note', title: 'gone' });
  await store.map.deleteNode(note.id);
  const mid = await store.digest();
  await rejectsWith(store.map.addEdge(space.id, { from: a.id, to: note.id }), 'NOT_FOUND', 'to');
  await rejectsWith(store.map.moveNode(note.id, { x: 1, y: 1 }), 'NOT_FOUND', 'nodeId');
  await rejectsWith(store.map.addComment(note.id, 'x'), 'NOT_FOUND', 'nodeId');
  assert.equal(await store.digest(), mid);
  // Malformed canvases.
  const canvases = [
    ['{', 'canvas'],
    ['[]', 'canvas'],
    [{ nodes: {} }, 'canvas.nodes'],
    [{ nodes: [{ id: 'a', type: 'text', x: 0, y: 0, width: 10, height: 10 }] }, 'canvas.nodes[0].text'],
    [{ nodes: [{ id: 'a', type: 'text', text: 't', x: 0.5, y: 0, width: 10, height: 10 }] }, 'canvas.nodes[0].x'],
    [{ nodes: [{ id: 'a', type: 'text', text: 't', x: 0, y: 0, width: 0, height: 10 }] }, 'canvas.nodes[0].width'],
    [{ nodes: [{ id: 'a', type: 'blob', x: 0, y: 0, width: 1, height: 1 }] }, 'canvas.nodes[0].type'],
    [{ nodes: [{ id: 'a', type: 'link', url: 'u', x: 0, y: 0, width: 1, height: 1 }, { id: 'a', type: 'link', url: 'u', x: 0, y: 0, width: 1, height: 1 }] }, 'canvas.nodes[1].id'],
    [{ nodes: [{ id: 'a', type: 'group', x: 0, y: 0, width: 1, height: 1, color: 'red' }] }, 'canvas.nodes[0].color'],
    [{ nodes: [{ id: 'a', type: 'group', x: 0, y: 0, width: 1, height: 1 }], edges: [{ id: 'e', fromNode: 'a', toNode: 'zz' }] }, 'canvas.edges[0].toNode'],
    [{ nodes: [{ id: 'a', type: 'group', x: 0, y: 0, width: 1, height: 1 }], edges: [{ id: 'e', fromNode: 'a', toNode: 'a' }] }, 'canvas.edges[0].toNode'],
    [{ nodes: [{ id: 'a', type: 'group', x: 0, y: 0, width: 1, height: 1 }, { id: 'b', type: 'group', x: 0, y: 0, width: 1, height: 1 }], edges: [{ id: 'e', fromNode: 'a', toNode: 'b', fromSide: 'up' }] }, 'canvas.edges[0].fromSide'],
  ];
  for (const [c, field] of canvases) await rejectsWith(store.map.importCanvas(space.id, c), 'INVALID_ARGUMENT', field);
  assert.equal(await store.digest(), mid);
  assert.notEqual(before, mid);  // the note was added and deleted in between
});

// Pure parts of the page (dist/web): the ingest progress line. (The DOM parts are tested in
// Chromium by tests/e2e/ui.test.mjs.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeIngest } from '../../dist/web/app.js';

const base = { sourcesTotal: 10, sourcesDone: 0, bytesTotal: 1000, bytesDone: 0, chunks: 0, failed: 0, duplicates: 0, timings: { parseMs: 0, embedMs: 0, indexMs: 0, commitMs: 0 } };

test('ingest progress: indeterminate while storing, then by bytes, with counts', () => {
  assert.deepEqual(describeIngest({ ...base, stage: 'stage' }), { fraction: null, text: 'Storing: 0 of 10 sources · 0 passages' });
  const mid = describeIngest({ ...base, stage: 'commit', sourcesDone: 4, bytesDone: 250, chunks: 12, failed: 1, duplicates: 2 });
  assert.equal(mid.fraction, 0.25);
  assert.equal(mid.text, 'Indexing: 4 of 10 sources · 12 passages · 1 failed · 2 already there');
  const one = describeIngest({ ...base, stage: 'done', sourcesTotal: 1, sourcesDone: 1, bytesTotal: 0, chunks: 1 });
  assert.equal(one.fraction, 1);
  assert.equal(one.text, 'Done: 1 of 1 source · 1 passage');
});

test('map nodes and edges of the API become the view model', async () => {
  const { toViewNode, toViewEdge, describeLayout, describeLayoutResult, colorOf } = await import('../../dist/web/map-model.js');
  const node = {
    id: 'n1', spaceId: 's', kind: 'source', origin: 'system', contentSourceId: 'src', chunkLabel: null, conceptId: null, memoryId: null,
    parentNodeId: 'c1', contentEntityType: null, mediaType: 'document', depthLevel: 2, title: 'Composting', body: null,
    position2d: { x: 1.5, y: -2 }, position3d: null, isPositionLocked: true, visibility: true, displayProps: { color: '4' },
    actionData: {}, engagementScore: {}, size: 3,
  };
  assert.deepEqual(toViewNode(node), { id: 'n1', kind: 'source', title: 'Composting', body: null, parentId: 'c1', depth: 2, x: 1.5, y: -2, hasPosition: true, locked: true, size: 3, color: '#30a46c', sourceId: 'src' });
  assert.equal(toViewNode({ ...node, position2d: null }).hasPosition, false);
  const edge = { id: 'e1', spaceId: 's', from: 'a', to: 'b', kind: 'user', label: 'supports', strength: 0.5, style: { line_type: 'dashed', color: '#ff0000' } };
  assert.deepEqual(toViewEdge(edge), { id: 'e1', from: 'a', to: 'b', label: 'supports', kind: 'user', dashed: true, color: '#ff0000', strength: 0.5 });
  assert.equal(toViewEdge({ ...edge, style: {} }).dashed, false);
  assert.equal(colorOf({ color: 'javascript:alert(1)' }), null);
  assert.equal(colorOf({ color: '#abc' }), '#abc');
  assert.deepEqual(describeLayout({ stage: 'layout', fraction: 0.25 }), { fraction: 0.25, text: 'Laying out the map: projecting and clustering 25%' });
  assert.match(describeLayoutResult({ spaceId: 's', chunks: 120, durationMs: 2500, clusters: { nodes: 7 } }), /2\.5 s: 120 passages placed, 7 clusters/);
});

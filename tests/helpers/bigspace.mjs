// Fills a space with generated notes, 500 per ingest call, until it holds at least `target`
// chunks, then waits until the worker's idle linking has put every vector in the HNSW graph (which
// also saves the graph's snapshot). Self-contained, so its source also runs in a browser page
// (`new Function` on fillSpace.toString()). Returns { chunks, buildSeconds, linkSeconds }.
export async function fillSpace(store, spaceId, note, target) {
  const t0 = performance.now();
  let chunks = 0;
  for (let i = 0; chunks < target; i += 500) {
    const batch = Array.from({ length: 500 }, (_, j) => ({ title: `n${i + j}`, text: note(i + j), mediaType: 'text', origin: 'paste' }));
    chunks += (await store.ingest(spaceId, batch, { duplicates: 'keep' })).chunks;
  }
  const t1 = performance.now();
  while ((await store.spaceStats(spaceId)).index?.unlinkedVectors) await new Promise((r) => setTimeout(r, 50));
  return { chunks, buildSeconds: (t1 - t0) / 1000, linkSeconds: (performance.now() - t1) / 1000 };
}

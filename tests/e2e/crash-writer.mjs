// Child process for crash.test.mjs: writes sources into a store as fast as it can and prints one
// "ACK <seq> <sourceId> <sha256> <size>" line after each write the store acknowledged. The parent
// kills it with SIGKILL at a random moment. (stdout to a pipe is synchronous on Linux, so a printed
// ACK was acknowledged before the kill.)
import { createHash } from 'node:crypto';
import path from 'node:path';

const [storePath, spaceId, startSeq] = process.argv.slice(2);
const { openStore } = await import(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../dist/js/node.js'));

function content(seq) {
  // Deterministic, varied sizes (200 B .. ~60 KB), so writes span many pages.
  const size = 200 + ((seq * 7919) % 60000);
  const line = `source ${seq} — ${'lorem ipsum dolor sit amet '.repeat(3)}\n`;
  return line.repeat(Math.ceil(size / line.length)).slice(0, size);
}

const store = await openStore({ path: storePath });
process.stdout.write('OPEN\n');
for (let seq = Number(startSeq); ; seq++) {
  const text = content(seq);
  const src = await store.addSource(spaceId, { title: `s${seq}`, text, mediaType: 'text', origin: 'paste' });
  const hash = createHash('sha256').update(text).digest('hex');
  process.stdout.write(`ACK ${seq} ${src.id} ${hash} ${Buffer.byteLength(text)}\n`);
  if (seq % 5 === 0) await store.deleteSource(src.id).then(() => process.stdout.write(`DEL ${seq} ${src.id}\n`));
}

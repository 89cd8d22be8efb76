// wasm/mem.cc replaces libc's memcmp (musl's compares a byte at a time) with one that compares 8
// bytes at a time. SQLite orders every TEXT key with it, so a wrong sign would misplace rows in
// every index: checked here against a plain JS comparison through the lab module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LAB = path.join(ROOT, 'build', 'wasm', 'kspace-lab.js');

function reference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

test('memcmp in wasm orders bytes as unsigned, at every length and first difference', async () => {
  const Module = await import(pathToFileURL(LAB).href).then((m) => m.default({ wasmBinary: fs.readFileSync(LAB.replace(/\.js$/, '.wasm')) }));
  let seed = 12345;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  let cases = 0;
  for (let len = 0; len <= 40; len++) {
    for (let diff = -1; diff < len; diff++) {
      for (const [x, y] of [[0x00, 0x01], [0x7f, 0x80], [0x80, 0xff], [0x41, 0x61], [0xfe, 0x02]]) {
        const a = Uint8Array.from({ length: len }, () => rnd(256));
        const b = a.slice();
        if (diff >= 0) {
          a[diff] = x;
          b[diff] = y;
          // Later bytes that disagree the other way must not decide the result.
          for (let k = diff + 1; k < len; k++) b[k] = (a[k] + 1 + rnd(255)) & 0xff;
        }
        for (const [p, q] of [[a, b], [b, a]]) {
          assert.equal(Module.memcmpSign(p, q), reference(p, q), `len ${len} diff ${diff} ${[...p]} / ${[...q]}`);
          cases++;
        }
      }
    }
  }
  // Unequal lengths compare their common prefix only; random bytes and UUID-like text.
  for (let i = 0; i < 2000; i++) {
    const a = Uint8Array.from({ length: rnd(70) }, () => rnd(4) === 0 ? rnd(256) : 0x30 + rnd(3));
    const b = Uint8Array.from({ length: rnd(70) }, (_, k) => (k < a.length && rnd(8) !== 0 ? a[k] : 0x30 + rnd(3)));
    assert.equal(Module.memcmpSign(a, b), reference(a, b));
    cases++;
  }
  assert.ok(cases > 10000);
});

#!/usr/bin/env node
// Runs every test suite (npm test builds first, then runs this):
//   native  GoogleTest binaries under ASan + UBSan (build/native-asan), and a short libFuzzer run
//           of each fuzz target (KSPACE_FUZZ_SECONDS each, default 20; longer campaigns: see
//           src/text/README.md)
//   unit    fast node:test suites against the built package (tests/unit)
//   e2e     slower suites: SIGKILL crash safety, headless Chromium, packaging (tests/e2e)
// Flags: --native, --unit, --e2e pick suites (default: all). Exit code is non-zero on any failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flags = new Set(process.argv.slice(2));
const all = !['--native', '--unit', '--e2e'].some((f) => flags.has(f));
const failures = [];
const timings = [];

function step(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  const secs = (Date.now() - t0) / 1000;
  timings.push([name, secs, r.status === 0]);
  if (r.status !== 0) failures.push(name);
}

if (all || flags.has('--native')) {
  const dir = path.join(ROOT, 'build', 'native-asan');
  const bins = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^ks_\w*tests$/.test(f)).sort() : [];
  if (bins.length === 0) failures.push('native: no test binaries (run node wasm/build.mjs --native-tests)');
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
  for (const b of bins) step(`native ${b}`, path.join(dir, b), ['--gtest_brief=1'], { env });

  const fuzzDir = path.join(ROOT, 'build', 'fuzz');
  const seconds = process.env.KSPACE_FUZZ_SECONDS ?? '20';
  const fuzzers = fs.existsSync(fuzzDir) ? fs.readdirSync(fuzzDir).filter((f) => f.endsWith('_fuzz')).sort() : [];
  for (const f of fuzzers) {
    const corpus = path.join(ROOT, 'build', 'fuzz-corpus', f);
    fs.mkdirSync(corpus, { recursive: true });
    step(`fuzz ${f} (${seconds} s)`, path.join(fuzzDir, f), [`-max_total_time=${seconds}`, '-print_final_stats=0', '-timeout=10', corpus]);
  }
}

const nodeTest = (dir) => {
  const d = path.join(ROOT, 'tests', dir);
  return fs.readdirSync(d).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => path.join('tests', dir, f));
};

if (all || flags.has('--unit')) {
  step('unit (node:test)', process.execPath, ['--test', '--test-reporter=spec', ...nodeTest('unit')]);
}

if (all || flags.has('--e2e')) {
  step('demo site build', process.execPath, ['demo/build.mjs']);
  step('e2e (node:test)', process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...nodeTest('e2e')]);
}

console.log('\n=== summary');
for (const [name, secs, ok] of timings) console.log(`${ok ? 'ok  ' : 'FAIL'} ${secs.toFixed(1).padStart(7)} s  ${name}`);
if (failures.length) {
  console.log(`\n${failures.length} failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log('\nall suites passed');

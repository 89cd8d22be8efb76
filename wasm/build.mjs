#!/usr/bin/env node
// Builds kspace: toolchain and dependencies (setup.mjs), the WebAssembly module, the TypeScript
// client/worker/UI, and optionally the native test binaries and the demo site. Every step is
// incremental, so a warm build is quick.
//
//   node wasm/build.mjs                 module + TypeScript -> dist/
//   node wasm/build.mjs --native-tests  also native GoogleTest binaries (ASan+UBSan) and fuzzers
//   node wasm/build.mjs --demo          also the static demo site -> build/site
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BUILD, ROOT, setup } from './setup.mjs';

const args = new Set(process.argv.slice(2));
const JOBS = String(Math.max(1, Math.min(2, (await import('node:os')).availableParallelism?.() ?? 2)));
const log = (...a) => console.log('[build]', ...a);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.status !== 0) {
    console.error(`[build] failed: ${cmd} ${argv.join(' ')}`);
    process.exit(r.status ?? 1);
  }
}

function cmakeBuild(dir, configureArgs, { emcmake = false, targets = [] } = {}) {
  const env = { ...process.env, NODE_PATH: '/usr/share/nodejs' };
  if (!fs.existsSync(path.join(dir, 'CMakeCache.txt'))) {
    const cfg = ['-S', ROOT, '-B', dir, ...configureArgs];
    if (emcmake) run('emcmake', ['cmake', ...cfg], { env });
    else run('cmake', cfg, { env });
  }
  const t = targets.flatMap((x) => ['--target', x]);
  run('cmake', ['--build', dir, '-j', JOBS, ...t], { env });
}

function copyIfChanged(from, to) {
  const a = fs.readFileSync(from);
  if (fs.existsSync(to) && Buffer.compare(a, fs.readFileSync(to)) === 0) return;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, a);
}

// One build at a time in a checkout: concurrent builds would share build/wasm and dist/. A second
// build waits for the first (a lock left by a dead process is taken over).
function takeBuildLock() {
  const lock = path.join(BUILD, '.build-lock');
  fs.mkdirSync(BUILD, { recursive: true });
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let announced = false; ; ) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      const release = () => fs.rmSync(lock, { recursive: true, force: true });
      process.on('exit', release);
      for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { release(); process.exit(130); });
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner = 0;
      try { owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
      let alive = true;
      if (owner > 0) {
        try { process.kill(owner, 0); } catch { alive = false; }
      }
      if (!alive) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
      if (!announced) { log(`waiting for another build (pid ${owner || '?'})`); announced = true; }
      Atomics.wait(sleeper, 0, 0, 500);
    }
  }
}

const t0 = Date.now();
takeBuildLock();
setup();

log('wasm module');
const wasmDir = path.join(BUILD, 'wasm');
cmakeBuild(wasmDir, ['-DCMAKE_BUILD_TYPE=Release'], { emcmake: true });
const dist = path.join(ROOT, 'dist');
copyIfChanged(path.join(wasmDir, 'kspace.js'), path.join(dist, 'wasm', 'kspace.js'));
copyIfChanged(path.join(wasmDir, 'kspace.wasm'), path.join(dist, 'wasm', 'kspace.wasm'));
copyIfChanged(path.join(ROOT, 'wasm', 'kspace.d.ts'), path.join(dist, 'wasm', 'kspace.d.ts'));

log('typescript');
run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);

// The workers as one file each (dist/workers/*.bundle.js). A module worker loads its imports
// level by level, one request each: the browser store's worker is 11 modules four levels deep, and
// measured in Chromium here it took 47-184 ms from `new Worker` to running, against 17-25 ms
// bundled (one outlier at 51), all of it before the engine can start opening the store. In Node the loader's work per
// module is small: the bundle opened a store a few ms sooner (fresh process at 106k chunks, median
// of 5 A/B pairs 89 -> 83 ms, within the noise); it is bundled so that both hosts start the same
// way. The engine's glue (../wasm/kspace.js) stays a separate file: it finds kspace.wasm
// beside itself. The package ships only the bundles (package.json "files").
log('worker bundles');
{
  const { build } = await import('rolldown');
  for (const [name, platform] of [['worker', 'browser'], ['prep-worker', 'browser'], ['node-worker', 'node'], ['node-prep-worker', 'node']]) {
    await build({
      input: path.join(dist, 'workers', `${name}.js`),
      platform,
      external: (id) => id.endsWith('/wasm/kspace.js') || id.startsWith('node:'),
      output: { file: path.join(dist, 'workers', `${name}.bundle.js`), format: 'esm' },
      logLevel: 'warn',
    });
  }
}

if (args.has('--native-tests')) {
  log('native tests (ASan + UBSan)');
  cmakeBuild(path.join(BUILD, 'native-asan'), ['-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DKSPACE_SANITIZE=ON']);
  if (fs.existsSync('/usr/bin/clang++') && fs.readdirSync(path.join(ROOT, 'tests', 'native', 'fuzz')).some((f) => f.endsWith('_fuzz.cc'))) {
    log('fuzz targets (clang + libFuzzer)');
    const fuzzTargets = fs.readdirSync(path.join(ROOT, 'tests', 'native', 'fuzz')).filter((f) => f.endsWith('_fuzz.cc')).map((f) => f.replace(/\.cc$/, ''));
    cmakeBuild(path.join(BUILD, 'fuzz'), ['-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DKSPACE_FUZZ=ON',
      '-DCMAKE_C_COMPILER=clang', '-DCMAKE_CXX_COMPILER=clang++'], { targets: fuzzTargets });
  }
}

if (args.has('--demo')) {
  log('demo site');
  run(process.execPath, [path.join(ROOT, 'demo', 'build.mjs')]);
}

log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

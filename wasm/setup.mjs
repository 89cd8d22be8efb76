#!/usr/bin/env node
// Makes a fresh machine ready to build kspace, and does nothing on a warm one.
//
//   1. System tools from Debian (Emscripten, Chromium, glm, nlohmann/json, GoogleTest) when missing.
//   2. npm dependencies when node_modules is missing or out of date with package.json / the lock.
//   3. Third-party C/C++ sources from pinned npm tarballs, checked against the registry's sha512
//      integrity, unpacked into build/third_party (ignored by git; nothing third-party is committed).
//   4. build/sysinc: a folder of symlinks that exposes glm and nlohmann to emcc with -isystem
//      (never -I/usr/include, which would pull the host's libc headers into a wasm build).
//
// Uses only Node built-ins: it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD = path.join(ROOT, 'build');
export const THIRD_PARTY = path.join(BUILD, 'third_party');

// Pinned third-party sources. `integrity` is the npm registry's dist.integrity for the tarball.
export const PINNED = [
  {
    name: 'sqlite',
    pkg: 'better-sqlite3',
    version: '12.11.1',
    integrity: 'sha512-dq9AtApgg5PGFtBzPFSBl3HZQjHok5gaQCM6zh2Yk0aSmDCs1CbnVI8/HgASQkNKsWFpseIO9beg5xxpYhbIfA==',
    files: { 'package/deps/sqlite3/sqlite3.c': 'sqlite3.c', 'package/deps/sqlite3/sqlite3.h': 'sqlite3.h' },
  },
  {
    name: 'hnswlib',
    pkg: 'hnswlib-node',
    version: '3.0.0',
    integrity: 'sha512-fypn21qvVORassppC8/qNfZ5KAOspZpm/IbUkAtlqvbtDNnF5VVk5RWF7O5V6qwr7z+T3s1ePej6wQt5wRQ4Cg==',
    files: {
      'package/src/hnswlib/hnswlib.h': 'hnswlib/hnswlib.h',
      'package/src/hnswlib/hnswalg.h': 'hnswlib/hnswalg.h',
      'package/src/hnswlib/bruteforce.h': 'hnswlib/bruteforce.h',
      'package/src/hnswlib/space_ip.h': 'hnswlib/space_ip.h',
      'package/src/hnswlib/space_l2.h': 'hnswlib/space_l2.h',
      'package/src/hnswlib/stop_condition.h': 'hnswlib/stop_condition.h',
      'package/src/hnswlib/visited_list_pool.h': 'hnswlib/visited_list_pool.h',
      'package/src/hnswlib/LICENSE': 'hnswlib/LICENSE',
    },
  },
];

// Debian packages: [probe path, package]. A package is installed only when its probe is missing.
const APT = [
  ['/usr/bin/emcc', 'emscripten'],
  ['/usr/bin/chromium', 'chromium'],
  ['/usr/include/glm/glm.hpp', 'libglm-dev'],
  ['/usr/include/nlohmann/json.hpp', 'nlohmann-json3-dev'],
  ['/usr/include/gtest/gtest.h', 'libgtest-dev'],
  ['/usr/bin/cmake', 'cmake'],
];

const log = (...a) => console.log('[setup]', ...a);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
}

export function ensureSystemPackages({ need = APT.map(([, p]) => p) } = {}) {
  const missing = APT.filter(([probe, pkg]) => need.includes(pkg) && !fs.existsSync(probe)).map(([, p]) => p);
  if (missing.length === 0) return;
  log('installing Debian packages:', missing.join(' '));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = isRoot ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = (...args) => (sudo.length ? run(sudo[0], [...sudo.slice(1), 'apt-get', ...args], { env }) : run('apt-get', args, { env }));
  aptGet('update', '-q');
  aptGet('install', '-y', '-q', '--no-install-recommends', ...missing);
}

function fileHash(file, algo = 'sha256') {
  return createHash(algo).update(fs.readFileSync(file)).digest('hex');
}

export function ensureNodeModules() {
  const lock = path.join(ROOT, 'package-lock.json');
  const stampFile = path.join(ROOT, 'node_modules', '.kspace-stamp');
  const want = fileHash(path.join(ROOT, 'package.json')) + (fs.existsSync(lock) ? fileHash(lock) : '');
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === want) return;
  log('installing npm dependencies');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, [fs.existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT });
  // Recompute: `npm install` may have written the lock file.
  const now = fileHash(path.join(ROOT, 'package.json')) + (fs.existsSync(lock) ? fileHash(lock) : '');
  fs.writeFileSync(stampFile, now);
}

export function ensureThirdParty() {
  for (const p of PINNED) {
    const dir = path.join(THIRD_PARTY, p.name);
    const stamp = path.join(dir, '.integrity');
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === p.integrity &&
        Object.values(p.files).every((f) => fs.existsSync(path.join(dir, f)))) continue;
    log(`fetching ${p.pkg}@${p.version} for ${p.name}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kspace-tp-'));
    try {
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const out = execFileSync(npm, ['pack', `${p.pkg}@${p.version}`, '--pack-destination', tmp, '--silent'],
        { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
      const tgz = path.join(tmp, out);
      const [algo, expected] = p.integrity.split(/-(.*)/s);
      const actual = createHash(algo).update(fs.readFileSync(tgz)).digest('base64');
      if (actual !== expected) throw new Error(`integrity mismatch for ${p.pkg}@${p.version}: ${actual}`);
      run('tar', ['xzf', tgz, '-C', tmp, ...Object.keys(p.files)]);
      fs.rmSync(dir, { recursive: true, force: true });
      for (const [from, to] of Object.entries(p.files)) {
        fs.mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
        fs.copyFileSync(path.join(tmp, from), path.join(dir, to));
      }
      fs.writeFileSync(stamp, p.integrity);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  // -isystem folder for emcc: only the two header trees we use, not all of /usr/include.
  const sysinc = path.join(BUILD, 'sysinc');
  fs.mkdirSync(sysinc, { recursive: true });
  for (const [name, target] of [['glm', '/usr/include/glm'], ['nlohmann', '/usr/include/nlohmann']]) {
    const link = path.join(sysinc, name);
    let ok = false;
    try { ok = fs.readlinkSync(link) === target; } catch { /* missing */ }
    if (!ok) {
      fs.rmSync(link, { force: true, recursive: true });
      fs.symlinkSync(target, link);
    }
  }
}

export function setup(opts = {}) {
  ensureSystemPackages(opts);
  ensureNodeModules();
  ensureThirdParty();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  setup();
  log('ready');
}

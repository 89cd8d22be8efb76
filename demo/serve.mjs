#!/usr/bin/env node
// Serves the static demo site (build/site) on 127.0.0.1. Usage: node demo/serve.mjs [--port N]
// (default 8080, or $PORT). A plain static server: the site needs no special headers.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.md': 'text/markdown; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.map': 'application/json',
};

/** Starts a static server for `dir`; resolves with { server, url }. */
export function serve(dir, port = 0, host = '127.0.0.1') {
  const base = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let file = path.join(base, decodeURIComponent(url.pathname));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.stat(file, (statErr, st) => {
      if (statErr || !st.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      // Revalidated on every load (no-cache), answered 304 when unchanged. A 304 keeps the cached
      // response, and with it the compiled code the browser caches beside kspace.wasm: a repeat
      // visit then starts the engine without compiling it again.
      const etag = `"${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
      const headers = { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', etag };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      fs.readFile(file, (err, data) => {
        if (err) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
          return;
        }
        res.writeHead(200, headers);
        res.end(data);
      });
    });
  });
  return new Promise((resolve) => server.listen(port, host, () => {
    const { port: p } = server.address();
    resolve({ server, url: `http://${host}:${p}/` });
  }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : process.env.PORT ?? 8080);
  const site = path.join(ROOT, 'build', 'site');
  if (!fs.existsSync(path.join(site, 'index.html'))) {
    console.error('build/site is missing: run `npm start` (or node wasm/build.mjs --demo)');
    process.exit(1);
  }
  const { url } = await serve(site, port);
  console.log(`kspace demo: ${url}  (Ctrl-C to stop)`);
}

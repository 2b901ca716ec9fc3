// A tiny static file server for the trunk build. It binds 127.0.0.1 unless told otherwise, serves the
// site under a base path (as a university web space would, e.g. /~name/bilevel-lab/), and answers with
// the precompressed .br or .gz beside a file when the browser accepts it (web/compress.mjs writes them).
// Usage: node web/serve.mjs DIST_DIR [PORT]   (HOST=0.0.0.0 to serve the room's network; BASE=/path/)
// Also imported by e2e.mjs.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/// Serves `root` on `port` (0: any free one) at `host`, under the path `base` (ending in '/').
export function serve(root, port, { host = '127.0.0.1', base = '/' } = {}) {
  const dir = path.resolve(root);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === base.slice(0, -1)) {
      res.writeHead(301, { Location: base }).end();
      return;
    }
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404).end(`not found: the app is served under ${base}`);
      return;
    }
    let file = path.normalize(path.join(dir, decodeURIComponent(url.pathname.slice(base.length))));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    const accepts = String(req.headers['accept-encoding'] ?? '');
    const encoding = [['br', '.br'], ['gzip', '.gz']].find(
      ([name, ext]) => accepts.includes(name) && fs.existsSync(file + ext),
    );
    fs.readFile(encoding ? file + encoding[1] : file, (err, data) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
        Vary: 'Accept-Encoding',
        ...(encoding ? { 'Content-Encoding': encoding[0] } : {}),
      });
      res.end(data);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root = 'dist', port = '8080'] = process.argv.slice(2);
  const host = process.env.HOST || '127.0.0.1';
  let base = process.env.BASE || '/';
  if (!base.startsWith('/')) base = `/${base}`;
  if (!base.endsWith('/')) base = `${base}/`;
  const server = await serve(root, Number(port), { host, base });
  const shown = host === '0.0.0.0' ? '<this machine\'s address>' : host;
  console.log(`bilevel-lab is served at http://${shown}:${server.address().port}${base}  (Ctrl-C to stop)`);
  if (host !== '127.0.0.1' && host !== 'localhost') {
    console.log('Reachable from the network: WebGPU needs a secure context, so browsers on other machines use the'
      + ' CPU fallback over plain http (put it behind https, or use a static host, for WebGPU in the room).');
  }
}

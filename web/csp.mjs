// Trunk post-build hook: puts a Content-Security-Policy into the built index.html, as strict as the app
// allows. Trunk's loader is one inline module script whose text names the hashed file names, so it is
// allowed by its SHA-256 (computed here, per build) instead of 'unsafe-inline'. Nothing may load from
// another origin; WebAssembly needs 'wasm-unsafe-eval'. Issue 18.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('csp.mjs: run as a trunk post_build hook (TRUNK_STAGING_DIR unset)');
  process.exit(1);
}
const file = join(dir, 'index.html');
const html = readFileSync(file, 'utf8');
const scripts = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
if (scripts.length !== 1) {
  console.error(`csp.mjs: expected trunk's one inline loader script, found ${scripts.length}`);
  process.exit(1);
}
const hash = createHash('sha256').update(scripts[0], 'utf8').digest('base64');
const policy = [
  "default-src 'none'",
  `script-src 'self' 'wasm-unsafe-eval' 'sha256-${hash}'`,
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');
const meta = `<meta http-equiv="Content-Security-Policy" content="${policy}">`;
if (html.includes('http-equiv="Content-Security-Policy"')) {
  console.error('csp.mjs: index.html already has a policy');
  process.exit(1);
}
writeFileSync(file, html.replace('<meta charset="utf-8">', `<meta charset="utf-8">\n    ${meta}`));
console.log(`csp.mjs: policy written (loader sha256-${hash})`);

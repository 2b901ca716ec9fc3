// Writes precompressed copies (.gz, gzip -9; .br, brotli quality 11) beside every text and wasm file of a
// trunk build, for static hosts that serve them (nginx gzip_static, Apache, serve.mjs) and prints what a
// student downloads. Usage: node web/compress.mjs DIST_DIR   (also imported by serve.mjs's callers)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const COMPRESSIBLE = new Set(['.wasm', '.js', '.css', '.html', '.svg', '.json']);

/// Compresses every compressible file of `dir` (not recursing: trunk's dist is flat); returns
/// [{ file, raw, gz, br }] in bytes.
export function compressDir(dir) {
  const out = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (!COMPRESSIBLE.has(path.extname(name)) || !fs.statSync(file).isFile()) continue;
    const data = fs.readFileSync(file);
    const gz = zlib.gzipSync(data, { level: 9 });
    const br = zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    fs.writeFileSync(`${file}.gz`, gz);
    fs.writeFileSync(`${file}.br`, br);
    out.push({ file: name, raw: data.length, gz: gz.length, br: br.length });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? 'dist';
  const rows = compressDir(dir);
  const mib = (n) => `${(n / 1048576).toFixed(2)} MiB`;
  for (const r of rows) console.log(`${r.file}: ${mib(r.raw)} raw, ${mib(r.gz)} .gz, ${mib(r.br)} .br`);
  const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
  console.log(`a student downloads ${mib(sum('br'))} (brotli; ${mib(sum('gz'))} gzip, ${mib(sum('raw'))} uncompressed)`);
  // Recorded runs (the Control tab's records/): fetched only when one is opened, not on the first load.
  const records = path.join(dir, 'records');
  if (fs.existsSync(records)) {
    for (const r of compressDir(records)) console.log(`records/${r.file} (on demand): ${mib(r.raw)} raw, ${mib(r.br)} .br`);
  }
}

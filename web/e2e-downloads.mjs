// Shared by the views' browser checks: click each export button, wait for the download, check its name
// and content, and keep a copy of PNGs next to the screenshots. A PNG must also be opaque: a picture of the
// app (a region past the canvas's edge comes out transparent).
import fs from 'node:fs';
import path from 'node:path';

export async function checkDownloads(page, mode, { check, click, shots }, files) {
  for (const [id, name, test] of files) {
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }).catch(() => null), click(id)]);
    let ok = false;
    let detail = 'no download';
    if (download) {
      const file = await download.path();
      const bytes = file ? fs.readFileSync(file) : Buffer.alloc(0);
      ok = download.suggestedFilename() === name && test(bytes);
      detail = `${download.suggestedFilename()}, ${bytes.length} bytes`;
      if (ok && name.endsWith('.png')) {
        const seeThrough = await transparentPixels(page, bytes);
        ok = seeThrough === 0;
        detail += `, ${seeThrough} transparent pixels`;
      }
      if (name.endsWith('.png') && file) fs.copyFileSync(file, path.join(shots, `${mode}-export-${name}`));
    }
    check(`${mode}: ${id} downloads ${name}`, ok, detail);
  }
}

/// Pixels of the PNG `bytes` that are not opaque, counted by the page (its own PNG decoder).
async function transparentPixels(page, bytes) {
  return page.evaluate(async (b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([data], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const g = canvas.getContext('2d');
    g.drawImage(bitmap, 0, 0);
    const { data: rgba } = g.getImageData(0, 0, bitmap.width, bitmap.height);
    let n = 0;
    for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) n += 1;
    return n;
  }, bytes.toString('base64'));
}

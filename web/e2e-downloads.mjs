// Shared by the views' browser checks: click each export button, wait for the download, check its name
// and content, and keep a copy of PNGs next to the screenshots.
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
      if (name.endsWith('.png') && file) fs.copyFileSync(file, path.join(shots, `${mode}-export-${name}`));
    }
    check(`${mode}: ${id} downloads ${name}`, ok, detail);
  }
}

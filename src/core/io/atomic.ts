/** Writes that never leave half a file behind (temp file or folder beside the target, then rename); used by the CLI, the model writer and the ONNX export. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

let counter = 0;
/**
 * A short hidden name beside the target: appending to the target's own name would push a name
 * that is near the file-system limit (255 bytes) over it.
 */
const tempName = (target: string): string => path.join(path.dirname(path.resolve(target)), `.al-${process.pid}-${++counter}.tmp`);

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempName(file);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Fills a directory through `fill(tempDir)` and swaps it into place only when fill succeeds,
 * so a failed `train --out model/` keeps the previous model intact.
 */
export async function replaceDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = tempName(dir);
  await fs.mkdir(path.dirname(path.resolve(dir)), { recursive: true });
  try {
    await fill(tmp);
    const old = `${tmp}-old`;
    const had = await fs.stat(dir).then(
      () => true,
      () => false,
    );
    if (had) await fs.rename(dir, old);
    await fs.rename(tmp, dir);
    if (had) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

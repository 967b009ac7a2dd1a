/**
 * A function's deployment package: the .zip Terraform uploads (`filename`), unpacked where the function's execution
 * environments load it from (Lambda: "/var/task", LAMBDA_TASK_ROOT). Packages are kept by content hash, so a restart
 * with the same code reuses the folder and a changed package gets a new one.
 *
 * Limits (Lambda quotas, "Deployment package (.zip file archive) size": 50 MB zipped for direct upload, 250 MB
 * unzipped): a package over them is refused as Lambda refuses it (RequestEntityTooLargeException / InvalidParameterValue).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { unzipSync } from 'fflate';

export const MAX_ZIPPED_BYTES = 50 * 1024 * 1024;
export const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;

export class DeploymentPackageError extends Error {
  override readonly name = 'DeploymentPackageError';
}

export interface UnpackedCode {
  /** Base64 SHA-256 of the .zip, as Lambda reports CodeSha256. */
  sha256: string;
  size: number;
  /** The folder holding the unpacked files (LAMBDA_TASK_ROOT). */
  taskRoot: string;
}

export function unpackDeploymentPackage(zip: Uint8Array, cacheDir: string): UnpackedCode {
  if (zip.byteLength > MAX_ZIPPED_BYTES)
    throw new DeploymentPackageError(`the deployment package is ${zip.byteLength} bytes; Lambda takes at most ${MAX_ZIPPED_BYTES}`);
  const sha256 = createHash('sha256').update(zip).digest('base64');
  const folder = join(cacheDir, createHash('sha256').update(zip).digest('hex').slice(0, 32));
  if (existsSync(join(folder, '.complete'))) return { sha256, size: zip.byteLength, taskRoot: folder };
  let files: Record<string, Uint8Array>;
  let total = 0;
  try {
    files = unzipSync(zip, {
      filter: (file) => {
        total += file.originalSize;
        if (total > MAX_UNZIPPED_BYTES) throw new DeploymentPackageError(`the deployment package unzips to more than ${MAX_UNZIPPED_BYTES} bytes`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof DeploymentPackageError) throw error;
    throw new DeploymentPackageError(`the deployment package is not a valid .zip file: ${(error as Error).message}`, { cause: error });
  }
  // Unpacked beside the final folder, then renamed: a concurrent start with the same package never sees half a folder.
  const staging = `${folder}.${process.pid}.${Date.now()}`;
  try {
    for (const [name, content] of Object.entries(files)) {
      if (name.endsWith('/')) continue;
      const target = normalize(join(staging, name));
      if (!target.startsWith(staging + sep)) throw new DeploymentPackageError(`the deployment package holds a path outside its root: ${name}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    writeFileSync(join(staging, '.complete'), '');
  } catch (error) {
    // A refused package leaves nothing behind.
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  try {
    renameSync(staging, folder);
  } catch {
    // Another process unpacked the same package first: use its folder.
    rmSync(staging, { recursive: true, force: true });
  }
  return { sha256, size: zip.byteLength, taskRoot: folder };
}

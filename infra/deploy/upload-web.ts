/**
 * The built web app (web-demo/dist) to the hosting bucket: each file with its content type and a cache policy that
 * fits how Vite names files (hashed assets never change: cached for a year; index.html and the rest revalidated). The
 * bucket's config.json is Terraform's (an aws_s3_object of the stack) and is never overwritten here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** Files Terraform manages in the bucket. */
const MANAGED_BY_TERRAFORM = new Set(['config.json']);

export interface WebFile {
  key: string;
  path: string;
  contentType: string;
  cacheControl: string;
}

export function webFiles(dir: string): WebFile[] {
  const files: WebFile[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const key = relative(dir, path).split(sep).join('/');
      if (MANAGED_BY_TERRAFORM.has(key)) continue;
      const contentType = CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
      // Vite writes content-hashed names under assets/: safe to cache for good.
      const cacheControl = key.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      files.push({ key, path, contentType, cacheControl });
    }
  };
  walk(dir);
  return files;
}

export async function uploadWebApp(s3: S3Client, bucket: string, dir: string): Promise<string[]> {
  const files = webFiles(dir);
  if (!files.some((f) => f.key === 'index.html')) throw new Error(`${dir} has no index.html: build the web app first (npm run build:web)`);
  // index.html last: a visitor never gets a page naming assets that are not uploaded yet.
  const ordered = [...files.filter((f) => f.key !== 'index.html'), ...files.filter((f) => f.key === 'index.html')];
  for (const file of ordered) {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: readFileSync(file.path), ContentType: file.contentType, CacheControl: file.cacheControl }),
    );
  }
  return ordered.map((f) => f.key);
}

/**
 * Deployment packages: unpacked by content hash, with Lambda's size quotas ("Lambda quotas": 50 MB zipped for direct
 * upload, 250 MB unzipped) and no file outside the package's root.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { DeploymentPackageError, MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, unpackDeploymentPackage } from './code.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'svctests-code-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A zip whose central directory claims `claimed` bytes uncompressed for its one entry (a zip bomb's header). */
function zipClaiming(claimed: number): Uint8Array {
  const zip = zipSync({ 'index.mjs': strToU8('export const handler = 1;') }, { level: 0 });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = 0; i + 4 <= zip.length; i++) {
    // Central directory file header (0x02014b50): uncompressed size at +24.
    if (view.getUint32(i, true) === 0x02014b50) view.setUint32(i + 24, claimed, true);
  }
  return zip;
}

describe('unpackDeploymentPackage', () => {
  it('unpacks the files under a folder named by the content, with the SHA-256 Lambda reports, and reuses it', () => {
    const zip = zipSync({ 'index.mjs': strToU8('export const handler = 1;'), 'lib/util.mjs': strToU8('export const u = 2;') });
    const first = unpackDeploymentPackage(zip, dir);
    expect(readFileSync(join(first.taskRoot, 'index.mjs'), 'utf8')).toBe('export const handler = 1;');
    expect(readFileSync(join(first.taskRoot, 'lib/util.mjs'), 'utf8')).toBe('export const u = 2;');
    expect(first.size).toBe(zip.byteLength);
    expect(first.sha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(unpackDeploymentPackage(zip, dir)).toEqual(first);
    expect(readdirSync(dir)).toHaveLength(1);
    const other = unpackDeploymentPackage(zipSync({ 'index.mjs': strToU8('export const handler = 3;') }), dir);
    expect(other.taskRoot).not.toBe(first.taskRoot);
  });

  it.each(['../escaped.mjs', 'lib/../../escaped.mjs'])('refuses an entry outside the package root (%s) and writes nothing there', (name) => {
    const zip = zipSync({ 'index.mjs': strToU8('x'), [name]: strToU8('bad') });
    mkdirSync(join(dir, 'cache'));
    expect(() => unpackDeploymentPackage(zip, join(dir, 'cache'))).toThrow(DeploymentPackageError);
    expect(() => unpackDeploymentPackage(zip, join(dir, 'cache'))).toThrow(/a path outside its root/);
    expect(existsSync(join(dir, 'escaped.mjs'))).toBe(false);
    expect(existsSync(join(dir, 'cache', 'escaped.mjs'))).toBe(false);
    // Nothing half-unpacked is left in the cache either.
    expect(readdirSync(join(dir, 'cache'))).toEqual([]);
  });

  it('refuses a package over 50 MB zipped before reading it', () => {
    expect(() => unpackDeploymentPackage(new Uint8Array(MAX_ZIPPED_BYTES + 1), dir)).toThrow(/Lambda takes at most 52428800/);
  });

  it('refuses a package that says it unzips to more than 250 MB, without inflating it', () => {
    expect(() => unpackDeploymentPackage(zipClaiming(MAX_UNZIPPED_BYTES + 1), dir)).toThrow(/unzips to more than 262144000 bytes/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses bytes that are not a zip', () => {
    expect(() => unpackDeploymentPackage(strToU8('PK but not really'), dir)).toThrow(/not a valid \.zip file/);
  });
});

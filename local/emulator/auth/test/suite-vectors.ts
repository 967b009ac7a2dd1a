/** Reads the vendored AWS SigV4 test suite (`aws-sig-v4-test-suite/`, see its README). */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

/** The suite's credential and scope (its own documentation). */
export const SUITE_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 'service',
} as const;

export interface SuiteVector {
  /** Case name, e.g. `get-relative`. */
  name: string;
  /** Directory relative to the suite root, e.g. `normalize-path/get-relative`. */
  id: string;
  req: string;
  creq: string;
  sts: string;
  authz: string;
  sreq: string;
}

/** Every case under `root`: a directory holding `<its name>.req` and the four other files. */
export function loadSuiteVectors(root: string): SuiteVector[] {
  const vectors: SuiteVector[] = [];
  const visit = (dir: string) => {
    const name = basename(dir);
    if (existsSync(join(dir, `${name}.req`))) {
      const read = (ext: string) => readFileSync(join(dir, `${name}.${ext}`), 'utf8');
      vectors.push({ name, id: relative(root, dir), req: read('req'), creq: read('creq'), sts: read('sts'), authz: read('authz'), sreq: read('sreq') });
      return;
    }
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
    }
  };
  visit(root);
  return vectors;
}

// For tests of `meshdir import`: a scratch server file, the DNs of an LDIF
// text, and what `meshdir export` writes of a data directory.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, meshdir, writeServerFile } from './server.js';

export const dns = (ldif: string): string[] => ldif.split('\n').filter((l) => l.startsWith('dn: ')).map((l) => l.slice(4));

export function setup(t: { teardown(fn: () => unknown): void }): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshdir-import-'));
  t.teardown(() => cleanup(dir));
  return { dir, config: writeServerFile(dir, {}) };
}

export const exported = (config: string, dir: string): string => {
  const file = join(dir, 'out.ldif');
  const r = meshdir(['export', '--config', config, '-o', file]);
  if (r.status !== 0) throw new Error(`export failed: ${r.stderr}`);
  return readFileSync(file, 'utf8');
};

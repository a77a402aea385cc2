// Loads every `*.schema` file of the server's schemaDir. Files are read in
// OpenLDAP's customary order (core, cosine, inetorgperson, nis, then the rest
// alphabetically); references between files are resolved after all are read,
// so an administrator can drop in any file whatever it depends on.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MeshdirError } from '../errors.js';
import { parseSchemaText } from './parse.js';
import { Schema } from './schema.js';

const FIRST = ['core.schema', 'cosine.schema', 'inetorgperson.schema', 'nis.schema'];

/** The load order of the schema files in `dir`. */
export function schemaFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.schema'));
  } catch (e) {
    throw new MeshdirError('MESHDIR_SCHEMA', `${dir}: cannot read schema directory: ${(e as Error).message}`, { cause: e });
  }
  const rank = (n: string): number => (FIRST.includes(n) ? FIRST.indexOf(n) : FIRST.length);
  return names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).map((n) => join(dir, n));
}

/** Reads and links every schema file of `dir`; errors name the file and line. */
export function loadSchemaDir(dir: string): Schema {
  const files = schemaFiles(dir);
  // Without them not even `dc` or `cn` is defined, and every DN would look invalid.
  if (files.length === 0) throw new MeshdirError('MESHDIR_SCHEMA', `${dir} holds no *.schema files (core.schema at least: see this project's schema/)`);
  return new Schema(files.map((path) => parseSchemaText(readFileSync(path, 'utf8'), path)));
}

// Reader for OpenLDAP `.schema` files: statements (`attributetype`,
// `objectclass`, `objectidentifier`, `ldapsyntax`, `ditcontentrule`) whose
// bodies are RFC 4512 §4.1 definitions, with OpenLDAP's additions: OID
// macros (`name:suffix`), quoted OIDs and `$`-less lists.
import { MeshdirError } from '../errors.js';

export type DefinitionKind = 'attributetype' | 'objectclass' | 'ldapsyntax' | 'ditcontentrule';

/** One RFC 4512 definition as written (OIDs not yet macro-expanded). */
export interface Definition {
  kind: DefinitionKind;
  oid: string;
  /** Upper-case keyword → its arguments; flags (e.g. SINGLE-VALUE) map to []. */
  fields: Map<string, string[]>;
  file: string;
  line: number;
}

export interface MacroStatement {
  name: string;
  value: string;
  file: string;
  line: number;
}

export interface ParsedFile {
  definitions: Definition[];
  macros: MacroStatement[];
  warnings: string[];
}

const KEYWORDS = new Map<string, DefinitionKind | 'objectidentifier'>([
  ['attributetype', 'attributetype'],
  ['attributetypes', 'attributetype'],
  ['objectclass', 'objectclass'],
  ['objectclasses', 'objectclass'],
  ['objectidentifier', 'objectidentifier'],
  ['ldapsyntax', 'ldapsyntax'],
  ['ldapsyntaxes', 'ldapsyntax'],
  ['ditcontentrule', 'ditcontentrule'],
]);

const FLAGS = new Set([
  'OBSOLETE', 'SINGLE-VALUE', 'COLLECTIVE', 'NO-USER-MODIFICATION', 'ABSTRACT', 'STRUCTURAL', 'AUXILIARY',
]);
/** Keywords taking one qdescr/qdstring or a parenthesized list of them. */
const STRINGS = new Set(['NAME', 'DESC']);
/** Keywords taking one oid or a parenthesized list of oids. */
const OIDS = new Set([
  'SUP', 'EQUALITY', 'ORDERING', 'SUBSTR', 'SYNTAX', 'USAGE', 'MUST', 'MAY', 'AUX', 'NOT', 'APPLIES',
]);

export function schemaError(file: string, line: number, reason: string): MeshdirError {
  return new MeshdirError('MESHDIR_SCHEMA', `${file}:${line}: ${reason}`);
}

/**
 * Splits a file into statements and parses each. A line starting with
 * whitespace continues the previous one; `#` lines are comments (also inside
 * a continued statement, as in slapd). Unknown directives are skipped with a
 * warning, as slapd does.
 */
export function parseSchemaText(text: string, file: string): ParsedFile {
  const out: ParsedFile = { definitions: [], macros: [], warnings: [] };
  const lines = text.split(/\r?\n/);
  let buf: string | undefined;
  let start = 0;
  const flush = (): void => {
    if (buf !== undefined) parseStatement(buf, file, start, out);
    buf = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('#') || line.trim() === '') {
      // Keeps line numbers of a continued statement right.
      if (buf !== undefined) buf += '\n';
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (buf === undefined) throw schemaError(file, i + 1, 'continuation line without a statement');
      buf += '\n' + line;
      continue;
    }
    flush();
    buf = line;
    start = i + 1;
  }
  flush();
  return out;
}

function parseStatement(stmt: string, file: string, line: number, out: ParsedFile): void {
  const m = /^(\S+)\s*/.exec(stmt)!;
  const kw = m[1].toLowerCase();
  const kind = KEYWORDS.get(kw);
  if (kind === undefined) {
    out.warnings.push(`${file}:${line}: unknown directive '${m[1]}' ignored`);
    return;
  }
  const body = stmt.slice(m[0].length);
  const bodyLine = line + countNewlines(stmt, 0, m[0].length);
  if (kind === 'objectidentifier') {
    const parts = body.trim().split(/\s+/);
    if (parts.length !== 2 || parts[0] === '') {
      throw schemaError(file, line, 'objectidentifier takes a name and an OID');
    }
    out.macros.push({ name: parts[0], value: parts[1], file, line });
    return;
  }
  out.definitions.push(parseDefinition(body, kind, file, bodyLine));
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

interface Token {
  t: '(' | ')' | '$' | 'q' | 'w';
  v: string;
  at: number;
}

function tokenize(s: string, file: string, line: number): Token[] {
  const toks: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '$') {
      toks.push({ t: c, v: c, at: i });
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw schemaError(file, line + countNewlines(s, 0, i), 'unterminated quoted string');
      // A string continued on the next line loses the line break and keeps
      // the indentation, as slapd joins continued lines (duaconf.schema's DESCs).
      toks.push({ t: 'q', v: unescapeQd(s.slice(i + 1, end).replace(/\r?\n/g, '')), at: i });
      i = end + 1;
    } else {
      const start = i;
      while (i < s.length && !/[\s()$']/.test(s[i])) i++;
      toks.push({ t: 'w', v: s.slice(start, i), at: start });
    }
  }
  return toks;
}

// RFC 4512 §4.1: in a qdstring, `'` is written \27 and `\` is written \5C.
function unescapeQd(s: string): string {
  return s.indexOf('\\') < 0 ? s : s.replace(/\\(27|5c|5C)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Parses one `( oid KEYWORD args … )` body. */
export function parseDefinition(body: string, kind: DefinitionKind, file: string, line: number): Definition {
  const toks = tokenize(body, file, line);
  const where = (k: number): number => line + countNewlines(body, 0, toks[Math.min(k, toks.length - 1)]?.at ?? 0);
  let k = 0;
  if (toks[k]?.t !== '(') throw schemaError(file, where(k), `${kind}: expected '(' to start the definition`);
  k++;
  const oidTok = toks[k];
  if (oidTok === undefined || (oidTok.t !== 'w' && oidTok.t !== 'q')) {
    throw schemaError(file, where(k), `${kind}: expected an OID after '('`);
  }
  k++;
  const fields = new Map<string, string[]>();
  for (;;) {
    const tok = toks[k];
    if (tok === undefined) throw schemaError(file, where(k), `${kind} ${oidTok.v}: missing ')' at end of definition`);
    if (tok.t === ')') {
      k++;
      break;
    }
    if (tok.t !== 'w') throw schemaError(file, where(k), `${kind} ${oidTok.v}: unexpected '${tok.v}'`);
    const key = tok.v.toUpperCase();
    k++;
    if (fields.has(key)) throw schemaError(file, where(k - 1), `${kind} ${oidTok.v}: ${key} given twice`);
    if (FLAGS.has(key)) {
      fields.set(key, []);
      continue;
    }
    const isExt = key.startsWith('X-');
    if (!isExt && !STRINGS.has(key) && !OIDS.has(key)) {
      throw schemaError(file, where(k - 1), `${kind} ${oidTok.v}: unknown keyword '${tok.v}'`);
    }
    const wantQuoted = isExt || STRINGS.has(key);
    const args: string[] = [];
    const arg = (j: number): void => {
      const a = toks[j];
      if (a === undefined || (a.t !== 'w' && a.t !== 'q') || (wantQuoted && key !== 'NAME' && a.t !== 'q')) {
        throw schemaError(file, where(j), `${kind} ${oidTok.v}: bad value for ${key}`);
      }
      args.push(a.v);
    };
    if (toks[k]?.t === '(') {
      k++;
      while (toks[k] !== undefined && toks[k].t !== ')') {
        if (toks[k].t !== '$') arg(k);
        k++;
      }
      if (toks[k] === undefined) throw schemaError(file, where(k), `${kind} ${oidTok.v}: missing ')' after ${key} list`);
      k++;
      if (args.length === 0) throw schemaError(file, where(k - 1), `${kind} ${oidTok.v}: empty ${key} list`);
    } else {
      arg(k);
      k++;
    }
    fields.set(key, args);
  }
  if (k < toks.length) throw schemaError(file, where(k), `${kind} ${oidTok.v}: text after the closing ')'`);
  return { kind, oid: oidTok.v, fields, file, line };
}

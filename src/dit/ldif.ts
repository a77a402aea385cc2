// LDIF (RFC 2849) reader: content and change records, streamed. Input is
// split into lines at the byte level so plain values keep their exact octets;
// only one record is held at a time, so a file of any size reads in constant
// memory. Tolerates what OpenLDAP's tools tolerate: CRLF line ends, comments
// inside records, a missing final "-" in a modify, "moddn" for "modrdn".
import { readFile } from 'node:fs/promises';
import { MeshdirError } from '../errors.js';
import { parseDN } from './dn.js';
import type { LdifAttrs, LdifControl, LdifMod, LdifModDN, LdifModOp, LdifRecord } from './ldif-types.js';

export type {
  LdifAdd,
  LdifAttrs,
  LdifChange,
  LdifContent,
  LdifControl,
  LdifDelete,
  LdifMod,
  LdifModDN,
  LdifModOp,
  LdifModify,
  LdifRecord,
} from './ldif-types.js';

export interface LdifReadOptions {
  /** Named in error messages, usually the file path. */
  source?: string;
  /** Fetches `attr:< URL` values; without it such a value is an error. */
  readUrl?: (url: string) => Promise<Buffer>;
  /** Given a bad record's error instead of stopping: the record is skipped and reading goes on (as slapadd -c). */
  onError?: (e: MeshdirError) => void;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const LANGLE = 0x3c;

const ATTR_DESC = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)(?:;[A-Za-z0-9-]+)*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MOD_OPS: ReadonlySet<string> = new Set(['add', 'delete', 'replace', 'increment']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Line {
  text: Buffer;
  no: number;
}
interface Spec {
  name: string;
  kind: 'text' | 'base64' | 'url';
  raw: Buffer;
  no: number;
}
interface PendingUrl {
  url: string;
  no: number;
  into: Buffer[];
  at: number;
}
interface Parsed {
  record: LdifRecord;
  urls: PendingUrl[];
}

/**
 * Streams the records of an LDIF file. Errors are
 * `MeshdirError('MESHDIR_LDIF', 'source:line: reason')`.
 */
export async function* readLdif(
  input: AsyncIterable<Buffer | string> | string,
  opts: LdifReadOptions = {},
): AsyncGenerator<LdifRecord> {
  const parser = new LdifParser(opts.source ?? 'ldif', opts.readUrl !== undefined, opts.onError);
  const chunks = typeof input === 'string' ? [input] : input;
  const withUrls = async (p: Parsed): Promise<LdifRecord | undefined> => {
    try {
      return await resolveUrls(p, parser, opts);
    } catch (e) {
      if (!opts.onError || !(e instanceof MeshdirError)) throw e;
      opts.onError(e);
      return undefined;
    }
  };
  for await (const chunk of chunks) {
    for (const p of parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
      const r = p.urls.length ? await withUrls(p) : p.record;
      if (r) yield r;
    }
  }
  for (const p of parser.end()) {
    const r = p.urls.length ? await withUrls(p) : p.record;
    if (r) yield r;
  }
  parser.check();
}

async function resolveUrls(p: Parsed, parser: LdifParser, opts: LdifReadOptions): Promise<LdifRecord> {
  for (const u of p.urls) {
    try {
      u.into[u.at] = await opts.readUrl!(u.url);
    } catch (e) {
      parser.fail(u.no, `cannot read ${u.url}: ${(e as Error).message}`);
    }
  }
  return p.record;
}

/** Reads `file://` URLs the way OpenLDAP does: `file:///abs/path` or `file://relative/path`. */
export async function readFileUrl(url: string): Promise<Buffer> {
  if (!/^file:\/\//i.test(url)) throw new Error('only file:// URLs are supported');
  return readFile(decodeURIComponent(url.slice('file://'.length)));
}

/** A line without its CRs at the end: CRLF files, and those converted to CRLF twice (as slapadd reads them). */
function withoutCr(line: Buffer): Buffer {
  let end = line.length;
  while (end > 0 && line[end - 1] === CR) end--;
  return end === line.length ? line : line.subarray(0, end);
}

class LdifParser {
  private carry: Buffer[] = [];
  private lineNo = 0;
  private logical: Buffer[] | null = null;
  private logicalNo = 0;
  private inComment = false;
  private lines: Line[] = [];
  private first = true;
  private out: Parsed[] = [];
  private error: unknown;
  /** After a bad record's error (onError), the rest of it, up to a blank line, is skipped. */
  private skipping = false;

  constructor(
    private readonly source: string,
    private readonly urlsAllowed: boolean,
    private readonly onError?: (e: MeshdirError) => void,
  ) {}

  /** A syntax error: thrown, or with onError reported and its record dropped. */
  private recover(e: unknown, atBlankLine: boolean): void {
    if (!this.onError || !(e instanceof MeshdirError)) throw e;
    this.onError(e);
    this.lines = [];
    this.logical = null;
    this.inComment = false;
    this.skipping = !atBlankLine;
  }

  private line(line: Buffer): void {
    try {
      this.physical(line);
    } catch (e) {
      this.recover(e, line.length === 0);
    }
  }

  fail(no: number, reason: string): never {
    throw new MeshdirError('MESHDIR_LDIF', `${this.source}:${no}: ${reason}`);
  }

  /** Records completed by this chunk. A syntax error is thrown on the next call, after the good records. */
  push(chunk: Buffer): Parsed[] {
    return this.guard(() => {
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf(LF, start)) >= 0) {
        let line = chunk.subarray(start, nl);
        if (this.carry.length) {
          line = Buffer.concat([...this.carry, line]);
          this.carry = [];
        }
        this.line(withoutCr(line));
        start = nl + 1;
      }
      if (start < chunk.length) this.carry.push(chunk.subarray(start));
    });
  }

  end(): Parsed[] {
    return this.guard(() => {
      if (this.carry.length) {
        const last = Buffer.concat(this.carry);
        this.carry = [];
        this.line(withoutCr(last));
      }
      try {
        this.endLogical();
        this.endRecord();
      } catch (e) {
        this.recover(e, true);
      }
    });
  }

  /** Throws the error the last push() or end() deferred, if any. */
  check(): void {
    if (this.error) throw this.error;
  }

  private guard(work: () => void): Parsed[] {
    this.check();
    try {
      work();
    } catch (e) {
      this.error = e;
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  private physical(line: Buffer): void {
    this.lineNo++;
    if (this.skipping) {
      if (line.length === 0) this.skipping = false;
      return;
    }
    if (line.length === 0) {
      this.endLogical();
      this.endRecord();
      return;
    }
    if (line[0] === SPACE) {
      if (this.inComment) return;
      if (this.logical) {
        this.logical.push(line.subarray(1));
        return;
      }
      if (this.lines.length === 0 && line.every((b) => b === SPACE)) return;
      this.fail(this.lineNo, 'continuation line without a line to continue');
    }
    this.endLogical();
    this.inComment = line[0] === HASH;
    if (!this.inComment) {
      this.logical = [line];
      this.logicalNo = this.lineNo;
    }
  }

  private endLogical(): void {
    if (!this.logical) return;
    const parts = this.logical;
    this.lines.push({ text: parts.length === 1 ? parts[0] : Buffer.concat(parts), no: this.logicalNo });
    this.logical = null;
  }

  private endRecord(): void {
    this.inComment = false;
    const lines = this.lines;
    if (lines.length === 0) return;
    this.lines = [];
    if (this.first) {
      this.first = false;
      const v = this.spec(lines[0]);
      if (v.name.toLowerCase() === 'version') {
        const version = this.text(v).trim();
        if (version !== '1') this.fail(v.no, `unsupported LDIF version "${version}"`);
        lines.shift();
        if (lines.length === 0) return;
      }
    }
    this.out.push(this.record(lines));
  }

  private spec(l: Line): Spec {
    const t = l.text;
    const colon = t.indexOf(COLON);
    if (colon <= 0) this.fail(l.no, 'expected "name: value"');
    const name = t.toString('latin1', 0, colon).trimEnd();
    if (!ATTR_DESC.test(name)) this.fail(l.no, `invalid attribute description "${name}"`);
    let i = colon + 1;
    let kind: Spec['kind'] = 'text';
    if (t[i] === COLON) {
      kind = 'base64';
      i++;
    } else if (t[i] === LANGLE) {
      kind = 'url';
      i++;
    }
    while (t[i] === SPACE) i++;
    return { name, kind, raw: t.subarray(i), no: l.no };
  }

  private value(s: Spec, urls: PendingUrl[], into: Buffer[]): void {
    if (s.kind === 'url') {
      if (!this.urlsAllowed) this.fail(s.no, `URL values are not allowed here ("${s.name}:<")`);
      urls.push({ url: s.raw.toString('utf8').trim(), no: s.no, into, at: into.length });
      into.push(Buffer.alloc(0));
    } else if (s.kind === 'base64') {
      into.push(this.base64(s));
    } else {
      into.push(Buffer.from(s.raw));
    }
  }

  private base64(s: Spec): Buffer {
    const b64 = s.raw.toString('latin1').trimEnd();
    if (!BASE64.test(b64) || b64.length % 4 === 1) this.fail(s.no, `invalid base64 value of "${s.name}"`);
    return Buffer.from(b64, 'base64');
  }

  /** A value that must be text (DNs, keywords): base64 allowed, URLs not. */
  private text(s: Spec): string {
    if (s.kind === 'url') this.fail(s.no, `"${s.name}:" cannot take a URL`);
    const bytes = s.kind === 'base64' ? this.base64(s) : s.raw;
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail(s.no, `"${s.name}:" is not valid UTF-8`);
    }
  }

  private dn(s: Spec, what: string): string {
    const dn = this.text(s);
    try {
      parseDN(dn);
    } catch {
      this.fail(s.no, `invalid ${what} "${dn}"`);
    }
    return dn;
  }

  private record(lines: Line[]): Parsed {
    const head = this.spec(lines[0]);
    if (head.name.toLowerCase() !== 'dn') this.fail(head.no, `expected "dn:" but saw "${head.name}:"`);
    const base = { dn: this.dn(head, 'DN'), line: head.no };
    const urls: PendingUrl[] = [];
    const controls: LdifControl[] = [];
    let i = 1;
    let s = i < lines.length ? this.spec(lines[i]) : undefined;
    while (s && s.name.toLowerCase() === 'control') {
      controls.push(this.control(s));
      s = ++i < lines.length ? this.spec(lines[i]) : undefined;
    }
    if (!s || s.name.toLowerCase() !== 'changetype') {
      if (controls.length) this.fail(lines[1].no, '"control:" without "changetype:"');
      return { record: { type: 'content', ...base, attrs: this.attrs(lines, i, urls) }, urls };
    }
    const changetype = this.text(s).trim().toLowerCase();
    i++;
    switch (changetype) {
      case 'add': {
        if (i === lines.length) this.fail(s.no, 'add without attributes');
        return { record: { type: 'add', ...base, attrs: this.attrs(lines, i, urls), controls }, urls };
      }
      case 'delete':
        if (i < lines.length) this.fail(lines[i].no, 'unexpected line in a delete');
        return { record: { type: 'delete', ...base, controls }, urls };
      case 'modify':
        return { record: { type: 'modify', ...base, changes: this.mods(lines, i, urls), controls }, urls };
      case 'modrdn':
      case 'moddn':
        return { record: { type: 'modrdn', ...base, ...this.modDN(lines, i, s.no), controls }, urls };
      default:
        return this.fail(s.no, `unknown changetype "${changetype}"`);
    }
  }

  private attrs(lines: Line[], from: number, urls: PendingUrl[]): LdifAttrs {
    const attrs: LdifAttrs = [];
    const byName = new Map<string, Buffer[]>();
    for (let i = from; i < lines.length; i++) {
      const s = this.spec(lines[i]);
      const key = s.name.toLowerCase();
      let values = byName.get(key);
      if (!values) {
        values = [];
        byName.set(key, values);
        attrs.push([s.name, values]);
      }
      this.value(s, urls, values);
    }
    return attrs;
  }

  private mods(lines: Line[], from: number, urls: PendingUrl[]): LdifMod[] {
    const mods: LdifMod[] = [];
    let i = from;
    while (i < lines.length) {
      const s = this.spec(lines[i]);
      const op = s.name.toLowerCase();
      if (!MOD_OPS.has(op)) this.fail(s.no, `expected add:, delete:, replace: or increment: but saw "${s.name}:"`);
      const attr = this.text(s).trim();
      if (!ATTR_DESC.test(attr)) this.fail(s.no, `invalid attribute description "${attr}"`);
      const values: Buffer[] = [];
      for (i++; i < lines.length && !isDash(lines[i].text); i++) {
        const v = this.spec(lines[i]);
        if (v.name.toLowerCase() !== attr.toLowerCase()) this.fail(v.no, `"${v.name}" inside the ${op} of "${attr}"`);
        this.value(v, urls, values);
      }
      i++;
      mods.push({ op: op as LdifModOp, attr, values });
    }
    return mods;
  }

  private modDN(lines: Line[], from: number, no: number): Pick<LdifModDN, 'newRdn' | 'deleteOldRdn' | 'newSuperior'> {
    const expect = (i: number, name: string): Spec => {
      if (i >= lines.length) this.fail(no, `missing "${name}:"`);
      const s = this.spec(lines[i]);
      if (s.name.toLowerCase() !== name) this.fail(s.no, `expected "${name}:" but saw "${s.name}:"`);
      return s;
    };
    const rdn = expect(from, 'newrdn');
    const newRdn = this.dn(rdn, 'RDN');
    if (parseDN(newRdn).length !== 1) this.fail(rdn.no, `invalid RDN "${newRdn}"`);
    const del = expect(from + 1, 'deleteoldrdn');
    const flag = this.text(del).trim();
    if (flag !== '0' && flag !== '1') this.fail(del.no, `deleteoldrdn must be 0 or 1, not "${flag}"`);
    const out: Pick<LdifModDN, 'newRdn' | 'deleteOldRdn' | 'newSuperior'> = { newRdn, deleteOldRdn: flag === '1' };
    if (from + 2 < lines.length) {
      out.newSuperior = this.dn(expect(from + 2, 'newsuperior'), 'DN');
      if (from + 3 < lines.length) this.fail(lines[from + 3].no, 'unexpected line in a modrdn');
    }
    return out;
  }

  /** RFC 2849: `control: oid [true|false] [value-spec]`. */
  private control(s: Spec): LdifControl {
    if (s.kind !== 'text') this.fail(s.no, 'invalid control line');
    const m = /^([0-9]+(?:\.[0-9]+)*)(?: +(true|false))? *(?:(:)(:|<)? *(.*))?$/s.exec(s.raw.toString('utf8'));
    if (!m) this.fail(s.no, 'invalid control line');
    const c: LdifControl = { oid: m[1], critical: m[2] === 'true' };
    if (m[3]) {
      if (m[4] === '<') this.fail(s.no, 'control values cannot be URLs');
      if (m[4] === ':' && (!BASE64.test(m[5]) || m[5].length % 4 === 1)) this.fail(s.no, 'invalid base64 control value');
      c.value = m[4] === ':' ? Buffer.from(m[5], 'base64') : Buffer.from(m[5], 'utf8');
    }
    return c;
  }
}

function isDash(t: Buffer): boolean {
  if (t[0] !== 0x2d) return false;
  for (let i = 1; i < t.length; i++) if (t[i] !== SPACE) return false;
  return true;
}

// Promises over ldapjs (our designated client library for tests), and raw
// sockets for what a well-behaved client never sends.
import { createRequire } from 'node:module';
import { connect as tcpConnect, type Socket } from 'node:net';
import ldap from 'ldapjs';

// The ldapjs packages ship no type declarations; what the tests use of them.
const require = createRequire(import.meta.url);
interface BerWriter {
  startSequence(tag?: number): void;
  endSequence(): void;
  writeString(s: string, tag?: number): void;
  readonly buffer: Buffer;
}
type Message = { toBer(): { buffer: Buffer } };
export const asn1 = require('@ldapjs/asn1') as { BerWriter: new () => BerWriter; BerReader: new (b: Buffer) => unknown };
export const messages = require('@ldapjs/messages') as {
  BindRequest: new (o: { messageId: number; name: string; credentials: string }) => Message;
  SearchRequest: new (o: { messageId: number; baseObject: string; scope: string; attributes?: string[] }) => Message;
  AbandonRequest: new (o: { messageId: number; abandonId: number }) => Message;
  LdapMessage: { parse(ber: unknown): { messageId: number; type: string; status?: number } };
};

export interface Found {
  dn: string;
  attrs: Record<string, string[]>;
}

export interface SearchOptions {
  scope?: 'base' | 'one' | 'sub';
  filter?: string;
  attributes?: string[];
  sizeLimit?: number;
  typesOnly?: boolean;
  paged?: { pageSize: number };
}

type Callback<T> = (err: Error | null, res?: T) => void;
const settle = <T>(resolve: (v: T) => void, reject: (e: Error) => void): Callback<T> => (err, res) => (err ? reject(err) : resolve(res as T));

export class Client {
  readonly raw: ldap.Client;

  private constructor(raw: ldap.Client) {
    this.raw = raw;
  }

  static connect(url: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const raw = ldap.createClient({ url, connectTimeout: 5000 });
      raw.once('connect', () => resolve(new Client(raw)));
      raw.once('error', reject);
      raw.once('connectError', reject);
    });
  }

  bind(dn: string, password: string): Promise<void> {
    return new Promise((resolve, reject) => this.raw.bind(dn, password, settle(() => resolve(), reject)));
  }

  search(base: string, opts: SearchOptions = {}): Promise<Found[]> {
    return new Promise((resolve, reject) => {
      this.raw.search(base, { scope: 'sub', ...opts } as ldap.SearchOptions, (err, res) => {
        if (err) return reject(err);
        const found: Found[] = [];
        res.on('searchEntry', (e: { pojo: { objectName: string; attributes: { type: string; values: string[] }[] } }) => {
          const attrs: Record<string, string[]> = {};
          for (const a of e.pojo.attributes) attrs[a.type] = a.values;
          found.push({ dn: e.pojo.objectName, attrs });
        });
        res.on('error', reject);
        res.on('end', () => resolve(found));
      });
    });
  }

  add(dn: string, attrs: Record<string, string | string[]>): Promise<void> {
    return new Promise((resolve, reject) => this.raw.add(dn, attrs, settle(() => resolve(), reject)));
  }

  /** Changes as [operation, type, values]. */
  modify(dn: string, changes: ['add' | 'delete' | 'replace', string, string[]][]): Promise<void> {
    const cs = changes.map(([operation, type, values]) => new ldap.Change({ operation, modification: new ldap.Attribute({ type, values }) }));
    return new Promise((resolve, reject) => this.raw.modify(dn, cs, settle(() => resolve(), reject)));
  }

  modifyDN(dn: string, newDn: string): Promise<void> {
    return new Promise((resolve, reject) => this.raw.modifyDN(dn, newDn, settle(() => resolve(), reject)));
  }

  compare(dn: string, attr: string, value: string): Promise<boolean> {
    return new Promise((resolve, reject) => this.raw.compare(dn, attr, value, settle((m: boolean) => resolve(m), reject)));
  }

  del(dn: string): Promise<void> {
    return new Promise((resolve, reject) => this.raw.del(dn, settle(() => resolve(), reject)));
  }

  /** An extended operation; resolves with the response value ('' when none). */
  exop(oid: string, value?: Buffer | object): Promise<string> {
    type Exop = (o: string, ...rest: unknown[]) => void;
    return new Promise((resolve, reject) => {
      const cb = (err: Error | null, v?: string): void => (err ? reject(err) : resolve(v ?? ''));
      if (value === undefined) (this.raw.exop as Exop)(oid, cb);
      else (this.raw.exop as Exop)(oid, value, cb);
    });
  }

  whoami(): Promise<string> {
    return this.exop('1.3.6.1.4.1.4203.1.11.3');
  }

  /** Password Modify (RFC 3062; ldapjs encodes the value); resolves with the generated password, if any. */
  passwd(req: { userIdentity?: string; oldPassword?: string; newPassword?: string }): Promise<string> {
    return this.exop('1.3.6.1.4.1.4203.1.11.1', req);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.raw.unbind(() => {
        this.raw.destroy();
        resolve();
      });
    });
  }
}

/** The LDAP result code an operation failed with (0 when it succeeded). */
export async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    const c = (e as { code?: unknown }).code;
    if (typeof c !== 'number') throw e;
    return c;
  }
}

/** A plain TCP connection to the server. */
export function socket(url: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tcpConnect(Number(u.port), u.hostname, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the peer has closed the socket, with the bytes it sent first. */
export function closed(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  return new Promise((resolve) => {
    if (s.destroyed || s.readableEnded) resolve(Buffer.concat(chunks));
    s.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** The octets of an @ldapjs/messages request. */
export function pdu(msg: Message): Buffer {
  return msg.toBer().buffer;
}

export interface Received {
  messageId: number;
  /** @ldapjs/messages type name, e.g. SearchResultEntry, SearchResultDone. */
  type: string;
  status?: number;
}

/** Every LDAPMessage the server sends on a raw socket, parsed by @ldapjs/messages. */
export function received(s: Socket): Received[] {
  const out: Received[] = [];
  let buf = Buffer.alloc(0);
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1]!;
      let head = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (buf.length < 2 + n) return;
        len = buf.readUIntBE(2, n);
        head += n;
      }
      if (buf.length < head + len) return;
      const m = messages.LdapMessage.parse(new asn1.BerReader(buf.subarray(0, head + len)));
      out.push({ messageId: m.messageId, type: m.type, status: m.status });
      buf = buf.subarray(head + len);
    }
  });
  return out;
}

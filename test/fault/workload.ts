// The write streams of the SIGKILL test and the ledger of what they sent
// and what the server acknowledged. A write counts as acknowledged only once
// its success response has arrived; writes whose connection died first are
// "sent" and may or may not have committed.
import { LdapError } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { ROOT_DN, ROOT_PW, SUFFIX } from '../helpers/server.js';

const PEOPLE = `ou=people,${SUFFIX}`;
const GROUPS = `ou=groups,${SUFFIX}`;
const MOD_ENTRIES = 12;
const CHAINS = 8;
/** Adds each adding connection keeps in flight. */
const ADD_DEPTH = 8;
const DELETE_DEPTH = 4;
/** A stream stops by itself after this long if no kill came. */
const MAX_STREAM_MS = 15_000;

export type State = 'sent' | 'acked';

export interface Ledger {
  /** uid → its add. */
  adds: Map<string, State>;
  /** uid of an added entry → its delete. */
  deletes: Map<string, State>;
  /** uid of a modified entry → highest version sent and acknowledged. */
  mods: Map<string, { sent: number; acked: number }>;
  /** rename chain → highest step sent and acknowledged. */
  chains: Map<string, { sent: number; acked: number }>;
  /** Writes the server refused (none should be). */
  refused: string[];
}

export function newLedger(): Ledger {
  return { adds: new Map(), deletes: new Map(), mods: new Map(), chains: new Map(), refused: [] };
}

export const addDn = (uid: string): string => `uid=${uid},${PEOPLE}`;

/** The complete entry an add writes: anything less after a restart is a partial write. */
export function addAttrs(uid: string): Record<string, string[]> {
  return {
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
    uid: [uid], cn: [`Fault ${uid}`], sn: ['Fault'], description: [`payload of ${uid}`], mail: [`${uid}@fault.example.com`],
  };
}

/** Version n of a modified entry: description and title both vN, one mail uid.nN@… (one modify sets all four). */
export const modMail = (uid: string, n: number): string => `${uid}.n${n}@m.example.com`;
export const modDn = (uid: string): string => `uid=${uid},${PEOPLE}`;

/** Step n of a rename chain: the name and the parent alternate. */
export const chainUid = (chain: string, n: number): string => `${chain}s${n}`;
const chainParent = (n: number): string => (n % 2 ? GROUPS : PEOPLE);
export const chainDn = (chain: string, n: number): string => `uid=${chainUid(chain, n)},${chainParent(n)}`;

/** The entries the modify and modrdn streams work on, at version/step 0. */
export async function createFixtures(url: string, ledger: Ledger): Promise<void> {
  const c = await LdapClient.connect(url, { timeoutMs: 30_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    for (let i = 0; i < MOD_ENTRIES; i++) {
      const uid = `m${i}`;
      await c.add(modDn(uid), { objectClass: ['inetOrgPerson'], uid, cn: `Mod ${uid}`, sn: 'Mod', description: 'v0', title: 'v0', mail: modMail(uid, 0) });
      ledger.mods.set(uid, { sent: 0, acked: 0 });
    }
    for (let i = 0; i < CHAINS; i++) {
      const chain = `r${i}`;
      await c.add(chainDn(chain, 0), { objectClass: ['inetOrgPerson'], uid: chainUid(chain, 0), cn: `Chain ${chain}`, sn: 'Chain' });
      ledger.chains.set(chain, { sent: 0, acked: 0 });
    }
  } finally {
    c.close();
  }
}

export interface Mix {
  adders: number;
  modifiers: number;
  renamers: number;
  deleters: number;
}

type Outcome = 'ok' | 'refused' | 'lost';

/** Runs write streams until their connections die (the kill) or MAX_STREAM_MS. */
export class Workload {
  readonly #ledger: Ledger;
  readonly #round: number;
  #acks = 0;
  #firstAck!: () => void;
  /** Resolves at the first acknowledgement of this round. */
  readonly firstAck = new Promise<void>((r) => (this.#firstAck = r));
  #streams: Promise<void>[] = [];
  #clients: LdapClient[] = [];
  #deadline = 0;

  constructor(ledger: Ledger, round: number) {
    this.#ledger = ledger;
    this.#round = round;
  }

  get acks(): number {
    return this.#acks;
  }

  async start(url: string, mix: Mix): Promise<void> {
    const n = mix.adders + mix.modifiers + mix.renamers + mix.deleters;
    this.#clients = await Promise.all(Array.from({ length: n }, () => LdapClient.connect(url, { timeoutMs: 30_000 })));
    await Promise.all(this.#clients.map((c) => c.bind(ROOT_DN, ROOT_PW)));
    this.#deadline = Date.now() + MAX_STREAM_MS;
    const clients = [...this.#clients];
    const take = (k: number) => clients.splice(0, k);
    const mods = [...this.#ledger.mods.keys()];
    const chains = [...this.#ledger.chains.keys()];
    const doomed = this.#deletable();
    take(mix.adders).forEach((c, w) => this.#streams.push(this.#adder(c, w)));
    take(mix.modifiers).forEach((c, w) => this.#streams.push(...mods.filter((_, i) => i % mix.modifiers === w).map((uid) => this.#modifier(c, uid))));
    take(mix.renamers).forEach((c, w) => this.#streams.push(...chains.filter((_, i) => i % mix.renamers === w).map((ch) => this.#renamer(c, ch))));
    take(mix.deleters).forEach((c) => this.#streams.push(this.#deleter(c, doomed)));
  }

  /** Acknowledged adds not yet chosen for deletion. */
  #deletable(): string[] {
    return [...this.#ledger.adds].filter(([uid, s]) => s === 'acked' && !this.#ledger.deletes.has(uid)).map(([uid]) => uid);
  }

  /** Writes sent and not yet answered, by kind. */
  inflight(): { adds: number; mods: number; renames: number; deletes: number } {
    const l = this.#ledger;
    const count = (m: Map<string, State>) => [...m.values()].filter((s) => s === 'sent').length;
    return {
      adds: count(l.adds),
      mods: [...l.mods.values()].filter((v) => v.sent > v.acked).length,
      renames: [...l.chains.values()].filter((v) => v.sent > v.acked).length,
      deletes: count(l.deletes),
    };
  }

  /** Resolves once every stream has stopped. */
  async done(): Promise<void> {
    await Promise.all(this.#streams);
    for (const c of this.#clients) c.close();
  }

  #live(c: LdapClient): boolean {
    return !c.closed && Date.now() < this.#deadline;
  }

  async #settle(what: string, p: Promise<unknown>): Promise<Outcome> {
    try {
      await p;
      if (this.#acks++ === 0) this.#firstAck();
      return 'ok';
    } catch (e) {
      if (!(e instanceof LdapError)) return 'lost';
      this.#ledger.refused.push(`${what}: ${e.message} (${e.code})`);
      return 'refused';
    }
  }

  async #adder(c: LdapClient, w: number): Promise<void> {
    let n = 0;
    const one = async (): Promise<void> => {
      while (this.#live(c)) {
        const uid = `a${this.#round}x${w}x${n++}`;
        this.#ledger.adds.set(uid, 'sent');
        const r = await this.#settle(`add ${uid}`, c.add(addDn(uid), addAttrs(uid)));
        if (r === 'lost') return;
        if (r === 'ok') this.#ledger.adds.set(uid, 'acked');
        else this.#ledger.adds.delete(uid);
      }
    };
    await Promise.all(Array.from({ length: ADD_DEPTH }, one));
  }

  async #modifier(c: LdapClient, uid: string): Promise<void> {
    const v = this.#ledger.mods.get(uid)!;
    while (this.#live(c)) {
      const n = ++v.sent;
      const changes = [
        { op: 'replace' as const, attr: 'description', values: `v${n}` },
        { op: 'replace' as const, attr: 'title', values: `v${n}` },
        { op: 'add' as const, attr: 'mail', values: modMail(uid, n) },
        { op: 'delete' as const, attr: 'mail', values: modMail(uid, n - 1) },
      ];
      const r = await this.#settle(`modify ${uid} to v${n}`, c.modify(modDn(uid), changes));
      if (r !== 'ok') return;
      v.acked = n;
    }
  }

  async #renamer(c: LdapClient, chain: string): Promise<void> {
    const v = this.#ledger.chains.get(chain)!;
    while (this.#live(c)) {
      const n = v.sent;
      v.sent = n + 1;
      const r = await this.#settle(`modrdn ${chain} to step ${n + 1}`, c.modrdn(chainDn(chain, n), `uid=${chainUid(chain, n + 1)}`, true, chainParent(n + 1)));
      if (r !== 'ok') return;
      v.acked = n + 1;
    }
  }

  async #deleter(c: LdapClient, uids: string[]): Promise<void> {
    // Entries added earlier in this round refill the shared list, so deletes are
    // still being sent when the kill comes however fast the first list went.
    // Refilled only when empty: every uid taken before was marked sent.
    const next = (): string | undefined => {
      if (uids.length === 0) uids.push(...this.#deletable());
      return uids.pop();
    };
    const one = async (): Promise<void> => {
      for (let uid = next(); uid !== undefined && this.#live(c); uid = next()) {
        this.#ledger.deletes.set(uid, 'sent');
        const r = await this.#settle(`delete ${uid}`, c.del(addDn(uid)));
        if (r === 'lost') return;
        if (r === 'ok') this.#ledger.deletes.set(uid, 'acked');
        else this.#ledger.deletes.delete(uid);
      }
    };
    await Promise.all(Array.from({ length: DELETE_DEPTH }, one));
  }
}

// The nemesis write load: on every master a few loops, each on its own
// connection, send a seeded mix of adds (new names, and a handful of hot
// names several masters add at once), modifies of the same entries and
// attributes everywhere, value deletes, entry deletes and modrdns. Every
// write goes through the ledger. Targets come from a shared, approximate
// picture of what exists; a refusal (noSuchObject, entryAlreadyExists…) is
// part of the game and only counted.
import { RC } from '../../src/errors.js';
import { LdapClient } from '../../src/ldap/client.js';
import { ROOT_DN, ROOT_PW, SUFFIX } from '../helpers/server.js';
import { Prng } from '../sim/prng.js';
import { Ledger, token, type Mod, type Write } from './ledger.js';

export const PEOPLE = `ou=people,${SUFFIX}`.toLowerCase();
export const GROUPS = `ou=groups,${SUFFIX}`.toLowerCase();
/** Seed entries that are only ever modified (never deleted or renamed): their history is exact. */
export const STABLE = ['alice', 'bob', 'carol', 'dave'].map((u) => `uid=${u},${PEOPLE}`);
const HOT = 5;
export const hotDn = (j: number): string => `uid=hot-${j},${PEOPLE}`;

/** What the loops believe exists. */
class Pool {
  readonly live: string[] = [];
  readonly #index = new Map<string, number>();
  /** Mail values acknowledged on stable entries, for value deletes. */
  readonly mails: { dn: string; v: string }[] = [];

  add(dn: string): void {
    if (this.#index.has(dn)) return;
    this.#index.set(dn, this.live.length);
    this.live.push(dn);
    // Old names are mostly gone or renamed by now: keep the picture small.
    if (this.live.length > 400) this.remove(this.live[0]!);
  }

  remove(dn: string): void {
    const i = this.#index.get(dn);
    if (i === undefined) return;
    const last = this.live.pop()!;
    this.#index.delete(dn);
    if (last !== dn) {
      this.live[i] = last;
      this.#index.set(last, i);
    }
  }

  pick(rng: Prng): string | undefined {
    return this.live.length ? rng.pick(this.live) : undefined;
  }
}

type Op = (w: Loop) => Promise<void>;

function person(uid: string, tag: string): Record<string, string[]> {
  return { objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: [uid], cn: [uid], sn: ['nemesis'], carLicense: [tag] };
}

const parentOf = (dn: string): string => dn.slice(dn.indexOf(',') + 1);

const OPS: [number, Op][] = [
  [18, (w) => w.add(`uid=${w.node}-${w.id},${PEOPLE}`, true)],
  [6, (w) => w.add(hotDn(w.rng.int(0, HOT - 1)), false)],
  [16, (w) => {
    const dn = w.rng.pick(STABLE);
    const r = w.rng.next();
    const id = w.id;
    if (r < 0.7) return w.modify(dn, [{ op: 'replace', attr: 'description', values: [token.description(id)] }]);
    if (r < 0.9) return w.modify(dn, [{ op: 'replace', attr: 'description', values: [token.description(id)] }, { op: 'replace', attr: 'title', values: [token.title(id)] }]);
    if (r < 0.95) return w.modify(dn, [{ op: 'replace', attr: 'title', values: [token.title(id)] }]);
    return w.modify(dn, [{ op: 'delete', attr: 'title', values: [] }]);
  }],
  [8, (w) => w.modify(w.rng.pick(STABLE), [{ op: 'add', attr: 'mail', values: [token.mail(w.id)] }])],
  [4, (w) => {
    const m = w.pool.mails.length ? w.pool.mails.splice(w.rng.int(0, w.pool.mails.length - 1), 1)[0]! : undefined;
    return m ? w.modify(m.dn, [{ op: 'delete', attr: 'mail', values: [m.v] }]) : Promise.resolve();
  }],
  [12, (w) => {
    const dn = w.rng.chance(0.3) ? hotDn(w.rng.int(0, HOT - 1)) : w.pool.pick(w.rng);
    if (!dn) return Promise.resolve();
    const id = w.id;
    return w.modify(dn, w.rng.chance(0.5) ? [{ op: 'replace', attr: 'description', values: [token.description(id)] }] : [{ op: 'add', attr: 'mail', values: [token.mail(id)] }]);
  }],
  [10, (w) => {
    const dn = w.rng.chance(0.4) ? hotDn(w.rng.int(0, HOT - 1)) : w.pool.pick(w.rng);
    return dn ? w.del(dn) : Promise.resolve();
  }],
  [9, (w) => {
    if (w.rng.chance(0.4)) {
      const j = w.rng.int(0, HOT - 1);
      return w.modrdn(hotDn(j), `uid=hot-${(j + w.rng.int(1, HOT - 1)) % HOT}`, PEOPLE);
    }
    const dn = w.pool.pick(w.rng);
    if (!dn) return Promise.resolve();
    const parent = parentOf(dn);
    return w.modrdn(dn, `uid=${w.node}-${w.id}`, w.rng.chance(0.3) ? (parent === PEOPLE ? GROUPS : PEOPLE) : parent);
  }],
];

/** One connection's write loop on one master. */
export class Loop {
  readonly rng: Prng;
  #client: LdapClient | undefined;
  #stop = false;
  #done: Promise<void> | undefined;

  constructor(
    readonly node: string,
    readonly url: () => string,
    readonly ledger: Ledger,
    readonly pool: Pool,
    seed: number,
    readonly paceMs: number,
  ) {
    this.rng = new Prng(seed);
  }

  /** The id of the write the current step sends (its values carry it). */
  id = 0;

  start(): void {
    this.#done = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
    this.#client?.close();
  }

  async #connect(): Promise<LdapClient | undefined> {
    if (this.#client && !this.#client.closed) return this.#client;
    try {
      const c = await LdapClient.connect(this.url(), { timeoutMs: 8000, connectTimeoutMs: 1000 });
      try {
        await c.bind(ROOT_DN, ROOT_PW);
      } catch (e) {
        c.close();
        throw e;
      }
      this.#client = c;
      return c;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      return undefined;
    }
  }

  async #run(): Promise<void> {
    const weights = OPS.map(([w]) => w);
    while (!this.#stop) {
      if (!(await this.#connect())) continue;
      this.id = this.ledger.nextId();
      await OPS[this.rng.weighted(weights)]![1](this);
      if (this.paceMs > 0) await new Promise((r) => setTimeout(r, this.rng.int(0, this.paceMs)));
    }
  }

  async #write(w: Omit<Write, 'id' | 'node' | 'sent' | 'done' | 'outcome'>, f: (c: LdapClient) => Promise<void>) {
    const c = this.#client!;
    return this.ledger.run({ id: this.id, node: this.node, ...w }, () => f(c));
  }

  async add(dn: string, track: boolean): Promise<void> {
    const tag = token.tag(this.id);
    const uid = dn.slice(4, dn.indexOf(','));
    const r = await this.#write({ op: 'add', dn, tag, mods: [] }, (c) => c.add(dn, person(uid, tag)));
    if (track && r.outcome !== 'refused') this.pool.add(dn);
  }

  async modify(dn: string, mods: Mod[]): Promise<void> {
    const r = await this.#write({ op: 'modify', dn, mods }, (c) => c.modify(dn, mods));
    if (r.code === RC.noSuchObject) this.pool.remove(dn);
    const added = mods[0]!;
    if (r.outcome === 'acked' && STABLE.includes(dn) && added.op === 'add' && added.attr === 'mail') this.pool.mails.push({ dn, v: added.values[0]! });
  }

  async del(dn: string): Promise<void> {
    const r = await this.#write({ op: 'delete', dn, mods: [] }, (c) => c.del(dn));
    if (r.outcome === 'acked' || r.code === RC.noSuchObject) this.pool.remove(dn);
  }

  async modrdn(dn: string, newRdn: string, parent: string): Promise<void> {
    const newDn = `${newRdn},${parent}`;
    const r = await this.#write({ op: 'modrdn', dn, newDn, mods: [] }, (c) => c.modrdn(dn, newRdn, true, parent === parentOf(dn) ? undefined : parent));
    if (r.outcome === 'acked' || r.code === RC.noSuchObject) this.pool.remove(dn);
    if (r.outcome !== 'refused' && !newDn.startsWith('uid=hot-')) this.pool.add(newDn);
  }
}

export interface WorkloadOptions {
  masters: string[];
  url: (node: string) => string;
  seed: number;
  loopsPerMaster: number;
  /** Each loop waits up to this long (uniform) between writes. */
  paceMs: number;
}

/** The loops of every master, sharing one ledger and one picture of the data. */
export class Workload {
  readonly ledger = new Ledger();
  readonly #pool = new Pool();
  readonly #loops: Loop[] = [];

  constructor(o: WorkloadOptions) {
    let i = 0;
    for (const m of o.masters) {
      for (let k = 0; k < o.loopsPerMaster; k++) this.#loops.push(new Loop(m, () => o.url(m), this.ledger, this.#pool, (o.seed * 31 + ++i) >>> 0, o.paceMs));
    }
  }

  start(): void {
    for (const l of this.#loops) l.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#loops.map((l) => l.stop()));
  }
}

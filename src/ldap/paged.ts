// Paged searches (RFC 2696) left open between pages, server-wide. Each
// holds the ids of its candidates. A connection keeps at most
// MAX_PAGED_PER_CONNECTION (slapd keeps one), and all connections together
// at most MAX_PAGED_IDS ids: past either bound the oldest is dropped (past
// the second, the oldest of the connection holding the most) and its cookie
// refused, as slapd refuses an old one. With the per-connection bound
// alone, 25 anonymous connections × 8 open searches of 50,000 candidates held
// 100 MiB, and more connections held more.
import { randomBytes } from 'node:crypto';

export const MAX_PAGED_PER_CONNECTION = 8;
/** 16 MiB of ids: 320 open searches over 50,000 entries. */
export const MAX_PAGED_IDS = 4_000_000;
export const COOKIE_BYTES = 8;

export interface PagedState {
  ids: Uint32Array;
  /** Next candidate to look at. */
  pos: number;
  exact: boolean;
  /** Entries returned by the earlier pages: the size limit counts them too (as slapd does). */
  sent: number;
}

/** One connection's open searches: cookie (hex) → state. */
export type PagedOwner = Map<string, PagedState>;

export class PagedSearches {
  /** cookie → its connection's map, oldest first. */
  readonly #all = new Map<string, PagedOwner>();
  #ids = 0;

  constructor(readonly maxIds = MAX_PAGED_IDS, readonly perConnection = MAX_PAGED_PER_CONNECTION) {}

  /** Ids held by all open searches. */
  get ids(): number {
    return this.#ids;
  }

  /** Keeps `state` for the connection's next page; returns its cookie. */
  keep(owner: PagedOwner, state: PagedState): Buffer {
    const cookie = randomBytes(COOKIE_BYTES);
    const key = cookie.toString('hex');
    owner.set(key, state);
    this.#all.set(key, owner);
    this.#ids += state.ids.length;
    if (owner.size > this.perConnection) this.#drop(owner.keys().next().value!);
    // The newest stays, however large: its client is paging now.
    while (this.#ids > this.maxIds && this.#all.size > 1) this.#drop(this.#evictable(key));
    return cookie;
  }

  /**
   * The oldest search of the connection holding the most ids (but not
   * `newest`): a client that opens large searches drops its own first,
   * not everyone else's.
   */
  #evictable(newest: string): string {
    const held = new Map<PagedOwner, number>();
    for (const [key, owner] of this.#all) if (key !== newest) held.set(owner, (held.get(owner) ?? 0) + owner.get(key)!.ids.length);
    let most: PagedOwner | undefined;
    for (const [owner, n] of held) if (most === undefined || n > held.get(most)!) most = owner;
    for (const key of most!.keys()) if (key !== newest) return key;
    return newest;
  }

  /** The search a cookie continues (it is used up), if this connection holds it. */
  take(owner: PagedOwner, cookie: Uint8Array): PagedState | undefined {
    const key = Buffer.from(cookie).toString('hex');
    const state = owner.get(key);
    if (state !== undefined) this.#drop(key);
    return state;
  }

  /** Is this cookie open, on any connection? */
  holds(cookie: Uint8Array): boolean {
    return this.#all.has(Buffer.from(cookie).toString('hex'));
  }

  /** A closed connection's searches. */
  dropAll(owner: PagedOwner): void {
    for (const key of [...owner.keys()]) this.#drop(key);
  }

  #drop(key: string): void {
    const owner = this.#all.get(key);
    if (owner === undefined) return;
    this.#all.delete(key);
    this.#ids -= owner.get(key)!.ids.length;
    owner.delete(key);
  }
}

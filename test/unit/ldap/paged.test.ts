import t from 'tap';
import { PagedSearches, type PagedOwner, type PagedState } from '../../../src/ldap/paged.js';

const search = (n: number): PagedState => ({ ids: new Uint32Array(n), pos: 0, exact: false, sent: 0 });

t.test('a cookie continues its own search once, on its own connection only', async (t) => {
  const open = new PagedSearches(1000, 8);
  const a: PagedOwner = new Map();
  const b: PagedOwner = new Map();
  const s = search(10);
  const cookie = open.keep(a, s);
  t.equal(cookie.length, 8);
  t.equal(open.take(b, cookie), undefined, 'not from another connection');
  t.ok(open.holds(cookie), 'held, by another connection');
  t.equal(open.take(a, cookie), s);
  t.equal(open.take(a, cookie), undefined, 'used up');
  t.notOk(open.holds(cookie));
  t.equal(open.ids, 0);
});

t.test('past the per-connection bound the connection\'s oldest goes', async (t) => {
  const open = new PagedSearches(1000, 2);
  const a: PagedOwner = new Map();
  const b: PagedOwner = new Map();
  const other = open.keep(b, search(1));
  const [c1, c2, c3] = [open.keep(a, search(1)), open.keep(a, search(1)), open.keep(a, search(1))];
  t.equal(open.take(a, c1), undefined, 'oldest of a dropped');
  t.ok(open.take(a, c2) && open.take(a, c3));
  t.ok(open.take(b, other), 'another connection\'s search kept');
});

t.test('past the server-wide bound of ids the oldest searches go, whichever connection holds them', async (t) => {
  const open = new PagedSearches(100, 8);
  const conns: PagedOwner[] = [new Map(), new Map(), new Map()];
  const cookies = conns.map((c) => open.keep(c, search(40)));
  t.equal(open.ids, 80, 'two fit');
  t.equal(open.take(conns[0]!, cookies[0]!), undefined, 'the first went when the third came');
  t.equal(conns[0]!.size, 0, 'and left its connection');
  t.equal(open.ids, 80);
  const huge = open.keep(conns[0]!, search(500));
  t.equal(open.ids, 500, 'a search larger than the bound stays alone: its client is paging now');
  t.equal(open.take(conns[0]!, huge)?.ids.length, 500);
  t.equal(open.take(conns[1]!, cookies[1]!), undefined);
});

t.test('a closed connection lets go of its searches', async (t) => {
  const open = new PagedSearches(1000, 8);
  const a: PagedOwner = new Map();
  const b: PagedOwner = new Map();
  open.keep(a, search(30));
  open.keep(a, search(20));
  const kept = open.keep(b, search(5));
  open.dropAll(a);
  t.equal(a.size, 0);
  t.equal(open.ids, 5);
  t.ok(open.take(b, kept));
});

t.test('past the server-wide bound a connection holding the most loses its own oldest, not others\' searches', async (t) => {
  const open = new PagedSearches(100, 8);
  const quiet: PagedOwner = new Map();
  const greedy: PagedOwner = new Map();
  const kept = open.keep(quiet, search(10));
  const first = open.keep(greedy, search(40));
  open.keep(greedy, search(40));
  open.keep(greedy, search(40));
  t.equal(open.ids, 90);
  t.equal(open.take(greedy, first), undefined, 'the greedy connection\'s oldest went');
  t.ok(open.take(quiet, kept), 'the quiet connection\'s older search stayed');
});

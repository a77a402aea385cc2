// The server's size limit (`limits.sizeLimit`) and paged results, with
// ldapsearch -E pr=…: the limit counts the entries of every page, so paging
// does not get round it. Expected outputs are slapd 2.5's with `sizelimit 5`
// (no `limits … size.prtotal`), run 2026-12-06 on 702 entries: per page,
// how many entries and the result code.
import t from 'tap';
import { cleanup, meshdir, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { as, tool } from './tools.js';

const server = await startServer({ seed: true, yaml: 'limits: { sizeLimit: 5 }' });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});

/** "[entries code]" per page, "cookie" after a page that offers another: as the awk over slapd's output printed it. */
function pages(who: string, args: string[]): string {
  const r = tool('ldapsearch', [...as(server.url, who), '-b', SUFFIX, ...args, '(objectClass=*)', 'dn']);
  let n = 0;
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('dn:')) n++;
    else if (line.startsWith('result: ')) {
      out.push(`[${n} ${line.split(' ')[1]}]`);
      n = 0;
    } else if (/^pagedresults: cookie=.+/.test(line)) out.push('cookie');
  }
  return out.join(' ');
}

t.test('anonymous: every page counts against the limit of 5', async (t) => {
  const cases: [string[], string][] = [
    [['-E', 'pr=2/noprompt'], '[2 0] cookie [2 0] cookie [1 4]'],
    [['-E', 'pr=5/noprompt'], '[5 0] cookie [0 4]'],
    [['-E', 'pr=6/noprompt'], '[5 4]'],
    [['-z', '3', '-E', 'pr=2/noprompt'], '[2 0] cookie [1 4]'],
    [['-z', '8', '-E', 'pr=2/noprompt'], '[2 0] cookie [2 0] cookie [1 4]'],
    [['-z', '5', '-E', 'pr=5/noprompt'], '[5 4]'],
    [['-z', '8', '-E', 'pr=6/noprompt'], '[5 4]'],
    [[], '[5 4]'],
  ];
  for (const [args, want] of cases) t.equal(pages('anonymous', args), want, args.join(' ') || 'not paged');
});

t.test('the rootDn has no size limit, paged or not', async (t) => {
  t.equal(pages('root', ['-E', 'pr=5/noprompt']), '[5 0] cookie [5 0] cookie [2 0]', 'all 12 entries in pages of 5');
  t.equal(pages('root', []), '[12 0]');
});

t.test('meshdir repl check pages too: anonymous it is cut by the limit and says how to read all', async (t) => {
  const anon = meshdir(['repl', 'check', server.url, server.url]);
  t.equal(anon.status, 2, 'exit 2: could not compare');
  t.match(anon.stderr, `meshdir: ${server.url}: search of ${SUFFIX} failed: its size limit ends the read (paged or not); bind as the rootDn (-D, -w), whom it does not hold`);
  const root = meshdir(['repl', 'check', '-D', ROOT_DN, '-w', ROOT_PW, server.url, server.url]);
  t.equal(root.stdout, 'identical: 12 entries on 2 replicas\n', root.stderr);
});

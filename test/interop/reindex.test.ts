// An administrator adds an index to the server file of a database that
// holds entries and restarts: ldapsearch through the new index finds them
// (the server rebuilds it at start, reindex.ts), and after the index is
// taken out again it still does (by a scan).
import t from 'tap';
import { cleanup, startServer } from '../helpers/server.js';
import { as, dns, people, tool } from './tools.js';

const first = await startServer({ seed: true, indexes: '{ objectClass: [eq] }' });
const dir = first.dir;
await first.stop();
t.teardown(() => cleanup(dir));

const search = (url: string, filter: string) => dns(tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', 'dc=example,dc=com', filter, '1.1']).stdout);

for (const [indexes, what] of [
  ['{ objectClass: [eq], mail: [eq, sub], telephoneNumber: [pres] }', 'mail and telephoneNumber indexed since'],
  ['{ objectClass: [eq] }', 'their indexes taken out again'],
] as const) {
  await t.test(what, async (t) => {
    const s = await startServer({ dir, indexes });
    t.teardown(() => s.stop());
    t.same(search(s.url, '(mail=alice*)'), [people('alice')], 'a substring filter on mail finds alice');
    t.same(search(s.url, '(mail=alice@example.com)'), [people('alice')], 'so does equality');
    t.ok(search(s.url, '(telephoneNumber=*)').length > 0, 'presence finds the entries with a telephone number');
    t.match(s.log.join('\n'), /indexes rebuilt/, 'the start says it rebuilt them');
  });
}

// Proxied authorization (RFC 4370) through `-e '!authzid=…'` of the real
// ldap-utils: who may assume whom, and that the operation then runs as the
// assumed identity (its access, its modifiersName). Results and texts are
// those slapd 2.5 gave for the same commands.
import t from 'tap';
import { LdapClient } from '../../src/ldap/client.js';
import { CONTROL, EXOP } from '../../src/ldap/pdu/index.js';
import { LdapError } from '../../src/errors.js';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX } from '../helpers/server.js';
import { as, people, tool } from './tools.js';

const server = await startServer({
  seed: true,
  yaml: `access:
  writers: ["${people('dave')}"]
  rules:
    - { subtree: "ou=people,${SUFFIX}", who: "dn:${people('erin')}", allow: [read, search, compare, proxy] }
`,
});
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;
const authz = (id: string) => ['-e', `!authzid=${id}`];
const whoami = (who: string, id: string) => tool('ldapwhoami', [...as(url, who), ...authz(id)]);
const denied = (text: string) => ({ code: 1, stdout: `Result: Proxied Authorization Denied (123)\nAdditional info: ${text}\n`, stderr: `ldap_parse_result: Proxied Authorization Denied (123)\n\tadditional info: ${text}\n` });

t.test('the rootDn assumes any identity', async (t) => {
  t.same(whoami('root', `dn:${people('alice')}`), { code: 0, stdout: `dn:${people('alice')}\n`, stderr: '' });
  t.equal(whoami('root', 'dn:UID=Alice , OU=People,DC=example,DC=com').stdout, `dn:${people('alice')}\n`, "the entry's DN");
  t.equal(whoami('root', `dn:uid=nobody,ou=people,${SUFFIX}`).stdout, `dn:uid=nobody,ou=people,${SUFFIX}\n`, 'also one without an entry (as slapd)');
  t.equal(whoami('root', 'dn:').stdout, 'anonymous\n');
  t.equal(whoami('root', '').stdout, 'anonymous\n');
  // An assumed identity goes by its normalized DN, as in slapd.
  t.equal(whoami('root', `dn:${ROOT_DN}`).stdout, 'dn:cn=directory manager\n');
  t.equal(whoami('root', 'dn:CN=Smith\\, John , ou=People,dc=example,dc=com').stdout, 'dn:cn=smith\\2C john,ou=people,dc=example,dc=com\n');
});

t.test('the operation runs with the assumed identity\'s rights', async (t) => {
  const pw = (who: string, id?: string) =>
    tool('ldapsearch', [...as(url, who), ...(id ? authz(id) : []), '-LLL', '-b', people('alice'), '-s', 'base', 'userPassword']).stdout;
  t.match(pw('root'), /userPassword/, 'the rootDn reads userPassword');
  t.notMatch(pw('root', `dn:${people('alice')}`), /userPassword/, 'as alice it does not');
  t.equal(pw('root', `dn:${people('alice')}`), `dn: ${people('alice')}\n\n`, 'but the entry is there');

  const describe = (who: string, id?: string) => tool('ldapmodify', [...as(url, who), ...(id ? authz(id) : [])], {
    input: `dn: ${people('bob')}\nchangetype: modify\nreplace: description\ndescription: by ${who} as ${id ?? 'itself'}\n`,
  });
  t.equal(describe('dave').code, 0, 'dave is a writer');
  t.equal(describe('root', `dn:${people('carol')}`).code, 50, 'carol is not: insufficientAccessRights');
  t.equal(describe('root', `dn:${people('dave')}`).code, 0, 'as dave it may');
  const after = tool('ldapsearch', [...as(url, 'root'), '-LLL', '-b', people('bob'), '-s', 'base', 'description', 'modifiersName']).stdout;
  t.match(after, `description: by root as dn:${people('dave')}`);
  t.match(after, `modifiersName: ${people('dave')}`, 'modifiersName is the assumed identity');

  t.equal(tool('ldappasswd', [...as(url, 'root'), ...authz(`dn:${people('heidi')}`), '-s', 'heidi-2']).code, 0, "ldappasswd without a target changes the assumed identity's password");
  t.equal(tool('ldapwhoami', as(url, 'heidi', 'heidi-2')).code, 0);
  t.equal(tool('ldapwhoami', as(url, 'heidi')).code, 49, 'the old one is gone');

  t.equal(tool('ldapcompare', [...as(url, 'root'), ...authz('dn:'), people('alice'), 'uid:alice']).code, 6, 'anonymous may compare (anonymousRead)');
  const dse = tool('ldapsearch', [...as(url, 'root'), ...authz(`dn:${people('alice')}`), '-LLL', '-b', 'cn=config', '-s', 'base', '1.1']);
  t.equal(dse.code, 50, 'cn=config is for the rootDn, not for whom it proxies');
});

t.test('others: themselves, anonymous, and whom a rule grants', async (t) => {
  t.same(whoami('alice', `dn:${people('bob')}`), denied('not authorized to assume identity'));
  t.equal(whoami('alice', `dn:${people('alice')}`).stdout, `dn:${people('alice')}\n`, 'oneself');
  t.equal(whoami('alice', 'dn:').stdout, 'anonymous\n', 'anonymous');
  t.same(whoami('alice', `dn:${ROOT_DN}`), denied('not authorized to assume identity'));
  t.same(whoami('dave', `dn:${people('bob')}`), denied('not authorized to assume identity'), 'writing everywhere is not proxying');
  t.equal(whoami('erin', `dn:${people('carol')}`).stdout, `dn:${people('carol')}\n`, "erin's rule covers ou=people");
  t.same(whoami('erin', `dn:cn=engineering,ou=groups,${SUFFIX}`), denied('not authorized to assume identity'), 'not ou=groups');
  t.same(whoami('erin', `dn:${ROOT_DN}`), denied('not authorized to assume identity'), 'never the rootDn');
  t.same(whoami('anonymous', `dn:${people('bob')}`), denied('anonymous proxied authorization not allowed'));
  t.same(whoami('root', 'dn:not a dn'), denied('authzId mapping failed'));
  t.same(whoami('root', 'u:alice'), denied('not authorized to assume identity'), 'no SASL identity mapping: slapd maps u: to uid=alice,cn=auth, which nobody may assume');
  t.same(whoami('root', 'x:alice'), denied('authzId mapping failed'), 'an unknown form');
});

t.test('what ldap-utils cannot send: a non-critical or repeated control, a bind, StartTLS', async (t) => {
  const c = await LdapClient.connect(url);
  t.teardown(() => c.close());
  await c.bind(ROOT_DN, ROOT_PW);
  const ctl = (critical: boolean) => ({ oid: CONTROL.proxiedAuthz, critical, value: Buffer.from(`dn:${people('alice')}`) });
  const code = async (p: Promise<unknown>) => p.then(() => 0, (e: LdapError) => e.code);
  const who = { type: 'extended', oid: EXOP.whoAmI } as const;
  const lax = await c.request(who, [ctl(false)]);
  t.equal(lax.op.type === 'extended' ? lax.op.value?.toString() : '', `dn:${people('alice')}`, "non-critical: taken, as slapd's default (its back-ldap sends it so)");
  t.equal(await code(c.request(who, [ctl(true), ctl(true)])), 2, 'twice: protocolError');
  const r = await c.request(who, [ctl(true)]);
  t.equal(r.op.type === 'extended' ? r.op.value?.toString() : '', `dn:${people('alice')}`);
  t.equal(await code(c.request({ type: 'bind', version: 3, name: ROOT_DN, auth: { kind: 'simple', password: Buffer.from(ROOT_PW) } }, [ctl(true)])), 12, 'bind: unavailableCriticalExtension');
  t.equal(await code(c.request({ type: 'extended', oid: EXOP.startTls }, [ctl(true)])), 12, 'StartTLS: unavailableCriticalExtension');
  const still = await c.request(who);
  t.equal(still.op.type === 'extended' ? still.op.value?.toString() : '', `dn:${ROOT_DN}`, 'the connection is still bound as the rootDn');
});

import t from 'tap';
import { Access } from '../../../src/ldap/access.js';
import { AccessRules } from '../../../src/ldap/acl.js';
import { Schema } from '../../../src/schema/schema.js';
import { loadSchemaDir } from '../../../src/schema/load.js';
import type { Session } from '../../../src/ldap/connection.js';
import { LdapError } from '../../../src/errors.js';

const schema: Schema = loadSchemaDir(new URL('../../../schema', import.meta.url).pathname);
const n = (dn: string) => schema.normalizeDN(dn)!;
const who = (auth: Session['auth'], dn = ''): Session => ({ id: 1, peer: 'p', bindDn: dn, bindNdn: dn ? n(dn) : '', auth, tls: false });
const alice = 'uid=alice,ou=people,dc=example,dc=com';
const rm = 'cn=replication manager,cn=config';

t.test('defaults without rules', async (t) => {
  const a = new Access({ anonymousRead: true, writerNdns: new Set([n('uid=w,dc=example,dc=com')]), managerNdns: new Set([n(rm)]) });
  t.ok(a.allows(who('anonymous'), 'read', n(alice)));
  t.notOk(a.allows(who('anonymous'), 'read', n(alice), undefined, 'userPassword'), 'userPassword is for the rootDn');
  t.ok(a.allows(who('root', 'cn=Directory Manager'), 'read', n(alice), undefined, 'userPassword'));
  t.notOk(a.allows(who('user', alice), 'write', n(alice), undefined, 'mail'), 'self may not write other attributes');
  t.ok(a.allows(who('user', alice), 'write', n(alice), undefined, 'userPassword'), 'self password change');
  t.ok(a.allows(who('user', 'uid=w,dc=example,dc=com'), 'add', n(alice)), 'writers write');
  t.notOk(a.allows(who('user', rm), 'read', n(alice)), 'a Replication Manager reads nothing');
  t.throws(() => a.checkRead(who('user', rm)), LdapError);
  t.throws(() => a.checkWrite(who('user', rm), 'add', n(alice)), LdapError);
  const closed = new Access({ anonymousRead: false, writerNdns: new Set() });
  t.throws(() => closed.checkRead(who('anonymous')), LdapError);
  t.doesNotThrow(() => closed.checkRead(who('user', alice)));
});

t.test('rules: first match decides; no match falls back to the defaults', async (t) => {
  const members = new Map([[n('cn=eng,dc=example,dc=com'), new Set([n(alice)])]]);
  const rules = new AccessRules(
    [
      { subtree: 'ou=people,dc=example,dc=com', attrs: ['mail'], who: 'group:cn=eng,dc=example,dc=com', allow: ['write'] },
      { attrs: ['mail'], who: 'any', deny: ['write'] },
      { filter: '(ou=Sales)', who: 'anonymous', deny: ['read', 'search'] },
    ],
    schema,
    (g) => members.get(g) ?? new Set(),
  );
  const a = new Access({ anonymousRead: true, writerNdns: new Set(), rules });
  const bob = 'uid=bob,ou=people,dc=example,dc=com';
  t.ok(a.allows(who('user', alice), 'write', n(bob), undefined, 'mail'), 'group member');
  t.notOk(a.allows(who('user', bob), 'write', n(alice), undefined, 'mail'), 'not a member: the next rule denies');
  const sales = { dn: bob, attrs: new Map([['ou', [Buffer.from('Sales')]]]) };
  const eng = { dn: alice, attrs: new Map([['ou', [Buffer.from('Engineering')]]]) };
  t.notOk(a.allows(who('anonymous'), 'search', n(bob), sales), 'filter rule matches the Sales entry');
  t.ok(a.allows(who('anonymous'), 'search', n(alice), eng), 'not the Engineering one: default anonymous read');
  t.ok(a.allows(who('root', 'cn=x'), 'write', n(alice), undefined, 'mail'), 'rootDn is never restricted');
});

t.test('bad rules name the rule and field', async (t) => {
  t.throws(() => new AccessRules([{ who: 'dn:not a dn', allow: ['read'] }], schema, () => new Set()), /access\.rules\[0\]\.who/);
  t.throws(() => new AccessRules([{ who: 'any', attrs: ['nope'], allow: ['read'] }], schema, () => new Set()), /access\.rules\[0\]\.attrs: unknown attribute "nope"/);
  t.throws(() => new AccessRules([{ who: 'any', filter: '(x=', allow: ['read'] }], schema, () => new Set()), /access\.rules\[0\]\.filter/);
  t.throws(() => new AccessRules([{ who: 'any', allow: ['read'], deny: ['read'] }], schema, () => new Set()), /both allowed and denied/);
});

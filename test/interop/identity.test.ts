// ldapwhoami and ldappasswd against a real server: simple binds, Who am I?
// (RFC 4532) and Password Modify (RFC 3062) with slapd's results and texts.
import t from 'tap';
import { cleanup, ROOT_DN, startServer } from '../helpers/server.js';
import { as, people, tool } from './tools.js';

const server = await startServer({ seed: true });
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;
const whoami = (who: string, password?: string) => tool('ldapwhoami', as(url, who, password));
const passwd = (who: string, args: string[], password?: string) => tool('ldappasswd', [...as(url, who, password), ...args]);

t.test('ldapwhoami', async (t) => {
  t.same(whoami('anonymous'), { code: 0, stdout: 'anonymous\n', stderr: '' });
  t.same(whoami('root'), { code: 0, stdout: `dn:${ROOT_DN}\n`, stderr: '' });
  t.same(whoami('alice'), { code: 0, stdout: `dn:${people('alice')}\n`, stderr: '' });
  t.equal(tool('ldapwhoami', ['-x', '-H', url, '-D', 'UID=Alice, OU=People,DC=Example,DC=COM', '-w', 'secret']).stdout,
    `dn:${people('alice')}\n`, 'the identity is the entry\'s DN (as slapd)');
  t.equal(tool('ldapwhoami', ['-x', '-H', url, '-D', 'commonName=Directory Manager', '-w', 'secret']).stdout,
    'dn:cn=Directory Manager\n', 'the rootDn as written, with canonical type names (as slapd)');
  t.same(whoami('alice', 'wrong'), { code: 49, stdout: '', stderr: 'ldap_bind: Invalid credentials (49)\n' });
  t.equal(whoami('nobody', 'secret').code, 49, 'no such entry: invalidCredentials, nothing more');
  t.equal(tool('ldapwhoami', ['-x', '-H', url, '-D', `ou=people,dc=example,dc=com`, '-w', 'x']).code, 49, 'an entry without userPassword');
  t.same(tool('ldapwhoami', ['-x', '-H', url, '-D', 'not a dn', '-w', 'x']),
    { code: 34, stdout: '', stderr: 'ldap_bind: Invalid DN syntax (34)\n\tadditional info: invalid DN\n' });
  t.equal(tool('ldapwhoami', ['-x', '-H', url, '-D', people('alice')]).code, 53, 'a DN without a password is not an anonymous bind');
  t.same(tool('ldapwhoami', ['-x', '-H', url, '-D', '', '-w', 'secret']), { code: 49, stdout: '', stderr: 'ldap_bind: Invalid credentials (49)\n' },
    'a password without a DN: 49 with no text (as slapd)');
  t.same(tool('ldapexop', [...as(url), '1.3.6.1.4.1.4203.1.11.3:abc']), { code: 1, stdout: '', stderr: 'ldap_parse_result: Protocol error (2)\n\tadditional info: no request data expected\n' },
    'Who am I? with request data (as slapd)');
  const cancel = (...value: string[]) => tool('ldapexop', [...as(url), ['1.3.6.1.1.8', ...value].join(':')]).stderr;
  t.equal(cancel(), 'ldap_parse_result: Protocol error (2)\n\tadditional info: no message ID supplied\n', "cancel without a value: slapd's text");
  t.equal(cancel(':MAA='), 'ldap_parse_result: Protocol error (2)\n\tadditional info: message ID parse failed\n', 'cancel of an empty sequence');
  t.same(tool('ldapwhoami', [...as(url), '-ZZ']), { code: 1, stdout: '', stderr: 'ldap_start_tls: Protocol error (2)\n\tadditional info: unsupported extended operation\n' },
    'no certificate: StartTLS is not offered (as slapd)');
  t.equal(tool('ldapwhoami', [...as(url), '-Z']).stdout, 'anonymous\n', '-Z goes on without TLS');
  const v2 = tool('ldapsearch', ['-P', '2', ...as(url, 'root'), '-b', '', '-s', 'base']);
  t.equal(v2.code, 2, 'an LDAPv2 bind: protocolError');
  t.match(v2.stderr, 'additional info: historical protocol version requested, use LDAPv3 instead', "slapd's text");
});

t.test('ldappasswd', async (t) => {
  const anon = passwd('anonymous', ['-s', 'x']);
  t.equal(anon.code, 1, 'ldappasswd exits 1 on any failure');
  t.equal(anon.stdout, 'Result: Strong(er) authentication required (8)\nAdditional info: only authenticated users may change passwords\n');

  const self = passwd('carol', ['-s', 'carol-2']);
  t.same(self, { code: 0, stdout: '', stderr: '' }, 'a user changes its own password');
  t.equal(whoami('carol', 'carol-2').stdout, `dn:${people('carol')}\n`);
  t.equal(whoami('carol').code, 49);

  const wrongOld = passwd('carol', ['-a', 'wrong', '-s', 'carol-3'], 'carol-2');
  t.equal(wrongOld.stdout, 'Result: Server is unwilling to perform (53)\nAdditional info: unwilling to verify old password\n');
  t.equal(passwd('carol', ['-a', 'carol-2', '-s', 'secret'], 'carol-2').code, 0, 'with the right old password');
  t.equal(whoami('carol').code, 0);

  const generated = passwd('dave', []);
  t.equal(generated.code, 0);
  const m = /^New password: (\S+)\n$/.exec(generated.stdout);
  t.ok(m, 'the server generates one and returns it');
  t.equal(whoami('dave', m![1]).stdout, `dn:${people('dave')}\n`, 'and it works');

  t.equal(passwd('root', ['-s', 'bob-2', people('bob')]).code, 0, 'the rootDn sets another user\'s password');
  t.equal(whoami('bob', 'bob-2').code, 0);
  const rootGen = passwd('root', [people('bob')]);
  t.match(rootGen.stdout, /^New password: \S+\n$/);
  t.equal(whoami('bob', rootGen.stdout.slice('New password: '.length).trim()).code, 0);

  const other = passwd('alice', ['-s', 'x', people('heidi')]);
  t.equal(other.stdout, 'Result: Insufficient access (50)\n', 'a user cannot set another user\'s password');
  t.equal(whoami('heidi').code, 0, 'heidi keeps hers');
  t.equal(passwd('root', ['-s', 'x', 'uid=nobody,ou=people,dc=example,dc=com']).stdout, 'Result: No such object (32)\n');
  t.equal(passwd('root', ['-s', 'x', 'not a dn']).stdout, 'Result: Invalid syntax (21)\nAdditional info: Invalid DN\n');
  // The rootDn has no entry (its password is in the server file). Here it
  // is outside the suffix: no database holds it, as slapd answers (inside
  // the suffix: 32, bench/compat "passwd root self").
  t.same(passwd('root', ['-s', 'x']), { code: 1, stdout: 'Result: Server is unwilling to perform (53)\nAdditional info: no global superior knowledge\n', stderr: '' });
  t.equal(whoami('root').code, 0, 'the rootDn keeps its password');
});

t.test('ldappasswd: empty passwords, and an old password only its writers may verify (as slapd)', async (t) => {
  const unwilling = (text: string) => `Result: Server is unwilling to perform (53)\nAdditional info: ${text}\n`;
  t.equal(passwd('root', ['-s', '', people('erin')]).stdout, unwilling('new password value is empty'));
  t.equal(passwd('erin', ['-s', '']).stdout, unwilling('new password value is empty'));
  t.equal(whoami('erin').code, 0, 'erin keeps her password: nothing was stored');
  t.equal(passwd('erin', ['-a', '', '-s', 'x']).stdout, unwilling('old password value is empty'));
  // alice gives erin's right old password: she may not change it, so it is not checked for her.
  t.equal(passwd('alice', ['-a', 'secret', '-s', 'x', people('erin')]).stdout, unwilling('unwilling to verify old password'));
  t.equal(passwd('alice', ['-a', 'secret', '-s', 'x', 'uid=nobody,ou=people,dc=example,dc=com']).stdout, unwilling('unwilling to verify old password'));
  t.equal(passwd('root', ['-a', 'secret', '-s', 'erin-2', people('erin')]).code, 0, 'the rootDn may, with the right old password');
  t.equal(whoami('erin', 'erin-2').code, 0);
});

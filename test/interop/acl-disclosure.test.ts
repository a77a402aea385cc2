// What access rules hide stays hidden from every way of asking, as slapd's
// ACLs keep it: filters and the assertion control cannot test a hidden
// attribute, limits and paged results do not count hidden entries, a hidden
// entry answers as a missing one (no matched DN naming it), anonymous
// clients stay out when anonymousRead is off, a referral object in a hidden
// subtree refers nobody, a rename needs the right to
// add under its new superior, and only a rule naming userPassword grants it.
// Each case was found against slapd 2.5 with the same policy and answers as
// slapd does there.
import t from 'tap';
import { cleanup, startServer, SUFFIX } from '../helpers/server.js';
import { as, dns, people, tool } from './tools.js';

const hidden = `ou=hidden,${SUFFIX}`;
const secret = `uid=secret,${hidden}`;
const server = await startServer({
  seed: true,
  yaml: `access:
  anonymousRead: false
  writers: ["${people('bob')}"]
  rules:
    - { subtree: "${hidden}", who: any, deny: [read, search, compare, write, add, delete] }
    - { filter: "(ou=Sales)", attrs: [employeeNumber], who: any, deny: [read, search, compare] }
    # no attrs: it grants every attribute but userPassword
    - { subtree: "ou=people,${SUFFIX}", who: "dn:${people('erin')}", allow: [read, search, compare] }
`,
});
t.teardown(async () => {
  await server.stop();
  cleanup(server.dir);
});
const url = server.url;
t.equal(
  tool('ldapadd', as(url, 'root'), { input: `dn: ${hidden}\nobjectClass: organizationalUnit\nou: hidden\n\ndn: ${secret}\nobjectClass: account\nuid: secret\ndescription: topsecret\n` }).code,
  0,
  'the hidden subtree is added by the rootDn',
);
const search = (who: string, ...args: string[]) => tool('ldapsearch', [...as(url, who), '-LLL', ...args]);

t.test('a filter cannot test an attribute a rule hides', async (t) => {
  t.same(dns(search('alice', '-b', SUFFIX, '(employeeNumber=1002)', '1.1').stdout), [], 'equality');
  t.same(dns(search('alice', '-b', SUFFIX, '(employeeNumber=100*)', '1.1').stdout), [people('alice'), people('bob'), people('erin'), people('frank'), people('grace'), people('heidi')], 'substrings: the Sales people are left out');
  t.same(dns(search('alice', '-b', SUFFIX, '(&(uid=carol)(!(employeeNumber=1)))', '1.1').stdout), [], 'not: Undefined stays Undefined');
  t.same(dns(search('alice', '-b', SUFFIX, '(description=topsecret)', '1.1').stdout), [], 'an entry of the hidden subtree');
  t.same(dns(search('root', '-b', SUFFIX, '(employeeNumber=1002)', '1.1').stdout), [people('carol')], 'the rootDn tests everything');
});

t.test('the assertion control cannot test what is hidden', async (t) => {
  for (const v of ['1002', '1']) {
    t.equal(search('alice', '-e', `!assert=(employeeNumber=${v})`, '-b', people('carol'), '-s', 'base', '1.1').code, 122, `search base, employeeNumber=${v}: assertionFailed either way`);
  }
  for (const v of ['topsecret', 'nope']) {
    t.equal(search('alice', '-e', `!assert=(description=${v})`, '-b', secret, '-s', 'base', '1.1').code, 32, `hidden base, description=${v}: noSuchObject either way`);
    t.equal(tool('ldapcompare', [...as(url, 'alice'), '-e', `!assert=(description=${v})`, secret, 'uid:secret']).code, 32, `compare on the hidden entry, description=${v}`);
  }
  const modify = (v: string) => tool('ldapmodify', [...as(url, 'bob'), '-e', `!assert=(employeeNumber=${v})`], { input: `dn: ${people('dave')}\nchangetype: modify\nreplace: description\ndescription: asserted\n` }).code;
  t.same([modify('1003'), modify('1')], [122, 122], 'a writer\'s modify: assertionFailed whether or not it holds');
  t.notMatch(search('root', '-b', people('dave'), '-s', 'base', 'description').stdout, /asserted/, 'and the modify was not done');
});

t.test('size limits and pages do not count hidden entries', async (t) => {
  const f = (d: string) => `(|(uid=alice)(description=${d}))`;
  t.same([search('alice', '-z', '1', '-b', SUFFIX, f('topsecret'), '1.1').code, search('alice', '-z', '1', '-b', SUFFIX, f('nosuch'), '1.1').code], [0, 0], 'one visible match: within a size limit of 1');
  const paged = (d: string) => search('alice', '-E', 'pr=1/noprompt', '-b', SUFFIX, f(d), '1.1').stdout.match(/cookie=(\S*)/)?.[1];
  t.same([paged('topsecret'), paged('nosuch')], ['', ''], 'the last page says so either way');
});

t.test('a hidden entry answers as a missing one', async (t) => {
  t.equal(search('alice', '-b', secret, '-s', 'base', '1.1').code, 32, 'as a search base');
  const below = search('alice', '-b', `cn=x,${secret}`, '-s', 'base', '1.1');
  t.equal(below.code, 32);
  t.notMatch(below.stdout + below.stderr, /Matched DN/i, 'no matched DN names it');
  t.match(search('alice', '-b', `cn=x,${people('alice')}`, '-s', 'base', '1.1').stderr, /Matched DN: uid=alice/, 'a visible entry is still named');
  t.equal(tool('ldapcompare', [...as(url, 'alice'), secret, 'uid:secret']).code, 32, 'compare');
});

t.test('a referral object a rule hides refers nobody', async (t) => {
  const ref = (ou: string, under: string, host: string) => `dn: ou=${ou},${under}\nobjectClass: referral\nobjectClass: extensibleObject\nou: ${ou}\nref: ldap://${host}/ou=x,${SUFFIX}\n`;
  t.equal(tool('ldapadd', as(url, 'root'), { input: `${ref('inside', hidden, 'internal.example.com')}\n${ref('outside', SUFFIX, 'public.example.com')}` }).code, 0, 'the rootDn adds one in the hidden subtree, one outside');
  const sub = search('alice', '-b', SUFFIX, '(ou=*)', '1.1');
  t.notMatch(sub.stdout, /internal\.example\.com/, 'no continuation reference for the hidden one (slapd: none)');
  t.match(sub.stdout, /public\.example\.com/, 'the visible one is still sent');
  t.match(search('root', '-b', SUFFIX, '(ou=*)', '1.1').stdout, /internal\.example\.com/, 'the rootDn is referred to both');
  const below = search('alice', '-b', `cn=y,ou=inside,${hidden}`, '-s', 'base', '1.1');
  t.equal(below.code, 32, 'a search base below it: noSuchObject (slapd: 32), not a referral');
  t.notMatch(below.stdout + below.stderr, /internal\.example\.com|Matched DN/i, 'its URL and DN are not told');
  const cmp = tool('ldapcompare', [...as(url, 'alice'), `cn=y,ou=inside,${hidden}`, 'cn:y']);
  t.equal(cmp.code, 32, 'a compare below it: noSuchObject (slapd: 32)');
  t.notMatch(cmp.stdout + cmp.stderr, /internal\.example\.com/);
  t.equal(search('alice', '-b', `cn=y,ou=outside,${SUFFIX}`, '-s', 'base', '1.1').code, 10, 'below the visible one: referral');
});

t.test('anonymousRead off stays off when no rule lets anonymous read', async (t) => {
  t.equal(search('anonymous', '-b', SUFFIX, '-s', 'base', '1.1').code, 50, 'the suffix');
  t.equal(search('anonymous', '-b', 'cn=monitor', '-s', 'base', '1.1').code, 50, 'cn=monitor');
  t.equal(search('alice', '-b', 'cn=monitor', '-s', 'base', '1.1').code, 0, 'a bound user reads cn=monitor');
  const missing = search('alice', '-b', 'cn=nothere,cn=monitor', '-s', 'base', '1.1');
  t.same([missing.code, /Matched DN: cn=monitor/i.test(missing.stderr)], [32, true], 'a missing monitor entry names cn=monitor, as slapd');
});

t.test('a rename needs the right to add under its new superior', async (t) => {
  const r = tool('ldapmodrdn', [...as(url, 'bob'), '-s', hidden, people('dave'), 'uid=dave']);
  t.equal(r.code, 50);
  t.match(r.stdout + r.stderr, /no write access to new superior's children/);
  t.same(dns(search('root', '-b', SUFFIX, '(uid=dave)', '1.1').stdout), [people('dave')], 'dave stays where he was');
  t.equal(tool('ldapmodrdn', [...as(url, 'bob'), people('dave'), 'uid=dave2']).code, 0, 'a rename in place is still the writer\'s');
  t.equal(tool('ldapmodrdn', [...as(url, 'bob'), people('dave2'), 'uid=dave']).code, 0);
});

t.test('only a rule that names userPassword grants it; one for all attributes can refuse it', async (t) => {
  t.notMatch(search('erin', '-b', people('bob'), '-s', 'base', 'userPassword').stdout, /userPassword/, 'erin reads bob, not his password');
  t.match(search('erin', '-b', people('bob'), '-s', 'base', 'mail').stdout, /mail:/, 'the rule grants the rest');
  t.equal(tool('ldapcompare', [...as(url, 'erin'), people('bob'), 'userPassword:secret']).code, 50, 'nor compare it');
  const pw = tool('ldappasswd', [...as(url, 'bob'), '-s', 'x', secret]);
  t.equal(pw.code, 1, 'the writer may not set a password in the hidden subtree');
  t.match(pw.stderr + pw.stdout, /Insufficient access/);
});

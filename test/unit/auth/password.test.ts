import t from 'tap';
import { hashPassword, verifyPassword, schemeOf, isSupportedHash, SCHEMES } from '../../../src/auth/password.js';

const pw = (s: string) => Buffer.from(s, 'utf8');

// Produced by OpenLDAP 2.5's slappasswd (`-s secret`, and `-o module-load=pw-sha2 -h {SSHA512}`).
const SLAPPASSWD_SSHA = '{SSHA}ylsCa8LI1PhhRhiIfsTbl0W2lDcZXz98';
const SLAPPASSWD_SSHA512 = '{SSHA512}AyxVMRiv2eqP0Iej02sVrFoH8u+9hAtNNiicq5ZBQ7cMP800Y4OFkLl9MaD1l+75pWVcyGzUz4swLK2YkG2EVqn7FMIkW3kv';

t.test('verifies hashes made by slappasswd', async (t) => {
  t.ok(await verifyPassword(pw('secret'), SLAPPASSWD_SSHA));
  t.notOk(await verifyPassword(pw('Secret'), SLAPPASSWD_SSHA));
  t.ok(await verifyPassword(pw('secret'), SLAPPASSWD_SSHA512));
  t.notOk(await verifyPassword(pw('secret!'), SLAPPASSWD_SSHA512));
});

// The other schemes slapd 2.5 verifies: its own {MD5}/{SMD5}, and pw-sha2's (same slappasswd, -s secret).
const SLAPPASSWD_OTHERS = [
  '{MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==',
  '{SMD5}baPkNT5diJ9QpAU8wVvZdK+1K6M=',
  '{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=',
  '{SSHA256}Bhpr8w53Gg3elmYiMOH4bDGHrqTmNDfXB8Au59i9t/oLwqcaY8hE+g==',
  '{SSHA384}Mg1s5ipSflGsrkFdeBkireEyP/OBF9951YAN9B2xHwF77bvQ4rRGdrJb2hjB4hDi7hOK+uLv7EM=',
];

t.test('verifies the digests slapd also reads: MD5, SMD5, SHA-2', async (t) => {
  for (const h of SLAPPASSWD_OTHERS) {
    t.ok(await verifyPassword(pw('secret'), h), h);
    t.notOk(await verifyPassword(pw('secreT'), h), `${h}: wrong password`);
    t.ok(isSupportedHash(h));
  }
  t.notOk(isSupportedHash('{SCONSTRUCTOR}abc'), 'only the schemes listed');
  t.notOk(await verifyPassword(pw('secret'), '{SSHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols='), 'a salted form needs a salt');
});

t.test('round trip for every scheme, salted so two hashes differ', async (t) => {
  for (const scheme of SCHEMES) {
    const a = await hashPassword('pässword', scheme);
    const b = await hashPassword('pässword', scheme);
    t.equal(schemeOf(a), scheme);
    t.not(a, b, `${scheme} is salted`);
    t.ok(await verifyPassword(pw('pässword'), a), `${scheme} verifies`);
    t.notOk(await verifyPassword(pw('password'), a), `${scheme} rejects a wrong password`);
    t.ok(isSupportedHash(a));
  }
});

t.test('PBKDF2-SHA512 uses OpenLDAP pw-pbkdf2 layout', async (t) => {
  const h = await hashPassword('x', 'PBKDF2-SHA512');
  t.match(h, /^\{PBKDF2-SHA512\}10000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{86}$/);
});

t.test('cleartext only when allowed, unknown schemes never', async (t) => {
  t.notOk(await verifyPassword(pw('plain'), 'plain'));
  t.ok(await verifyPassword(pw('plain'), 'plain', true));
  t.notOk(await verifyPassword(pw('plain'), 'plainer', true));
  t.notOk(await verifyPassword(pw('x'), '{CRYPT}abcdefgh', true));
  t.notOk(await verifyPassword(pw('x'), '{SSHA}'), 'truncated hash');
  t.notOk(await verifyPassword(pw('x'), '{PBKDF2-SHA512}0$aa$bb'), 'zero iterations');
  t.notOk(isSupportedHash('secret'));
});

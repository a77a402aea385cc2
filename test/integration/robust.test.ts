// Bad input against a real server process: thousands of seeded mutated
// PDUs (every request type, see test/fuzz) on many connections, after which
// the server must still run, answer a fresh connection and hold the same
// data; malformed BER and an oversized PDU close only their own connection,
// with a log line.
//
// How "the data is unchanged" is judged, since a mutant may be a valid write:
// - the anonymous run leaves every fuzz connection unbound and no corpus PDU
//   carries a real password, so every write must be refused: an accepted
//   one fails the test, and `meshdir export` must be byte-for-byte the same;
// - the bound run binds each connection as the rootDn first, so mutated
//   writes get past access control into schema checks and the store; every
//   entry that no accepted (or unanswered) write could have touched must
//   come back identical, attributes, values and operational attributes.
import t from 'tap';
import { connect } from 'node:net';
import { LdapClient } from '../../src/ldap/client.js';
import { RC } from '../../src/errors.js';
import { CONTROL, EXOP } from '../../src/ldap/pdu/protocol.js';
import { cleanup, ROOT_DN, ROOT_PW, startServer, SUFFIX, type TestServer } from '../helpers/server.js';
import { describeAnomaly, fuzz, type FuzzReport } from '../fuzz/engine.js';
import { explain, exportLdif, snapshot } from '../fuzz/snapshot.js';
import { exited, hasExited, serverErrors, startTarget, TARGET_MAX_PDU } from '../fuzz/target.js';

const SEED = Number(process.env.ROBUST_SEED ?? 20261122) >>> 0;
const COUNT = Number(process.env.ROBUST_COUNT ?? 3000);

async function answersFresh(url: string): Promise<{ whoami: string; entries: number }> {
  const c = await LdapClient.connect(url, { timeoutMs: 10_000 });
  try {
    await c.bind(ROOT_DN, ROOT_PW);
    const who = await c.extended(EXOP.whoAmI);
    const r = await c.search(SUFFIX, '(objectClass=*)', { attributes: ['1.1'] });
    return { whoami: who.value?.toString('utf8') ?? '', entries: r.entries.length };
  } finally {
    c.close();
  }
}

function summary(rep: FuzzReport): string {
  return `${rep.mutants} mutants, ${rep.responses} responses, ${rep.connections} connections (${rep.serverCloses} closed by the server), ${Math.round(rep.mutants / (rep.ms / 1000))}/s`;
}

/** Sends raw octets on a new connection; resolves when the server closes it (or not, after `ms`). */
function sendRaw(port: number, bytes: Buffer, ms = 5000): Promise<{ closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ closed: false });
    }, ms);
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true });
    });
  });
}

async function logged(s: TestServer, re: RegExp, ms = 3000): Promise<string | undefined> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    const line = s.log.find((l) => re.test(l));
    if (line) return line;
  }
  return undefined;
}

t.test(`mutated PDUs, anonymous connections (seed ${SEED})`, async (t) => {
  const s = await startTarget();
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  const before = exportLdif(s.configFile);
  const rep = await fuzz({ url: s.url, seed: SEED, count: COUNT, connections: 16, maxPdu: TARGET_MAX_PDU, stopped: () => exited(s) });
  t.comment(summary(rep));
  t.notOk(await hasExited(s), `server still running (exit ${s.child.exitCode}, signal ${s.child.signalCode})`);
  t.same(rep.anomalies.map((a) => describeAnomaly(a, SEED)), [], 'every answer came, every malformed PDU closed its connection, nothing else did');
  t.same(rep.writes.filter((w) => w.code === 0).map((w) => w.mutant), [], 'no anonymous write accepted');
  t.same(serverErrors(s), [], 'no internal error logged');
  t.ok(rep.serverCloses > COUNT / 10 && rep.responses > COUNT / 4, 'the mix both reached the operations and broke the framing');
  t.same(await answersFresh(s.url), { whoami: `dn:${ROOT_DN}`, entries: 18 }, 'a fresh connection binds and searches');
  t.equal(exportLdif(s.configFile), before, 'export byte-for-byte unchanged');
});

t.test(`mutated PDUs, connections bound as the rootDn (seed ${SEED + 1})`, async (t) => {
  const s = await startTarget();
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  const before = await snapshot(s.url);
  const rep = await fuzz({
    url: s.url, seed: SEED + 1, count: Math.ceil(COUNT / 2), connections: 8, maxPdu: TARGET_MAX_PDU, bind: { dn: ROOT_DN, password: ROOT_PW }, stopped: () => exited(s),
  });
  t.comment(`${summary(rep)}, ${rep.writes.filter((w) => w.code === 0).length} writes accepted`);
  t.notOk(await hasExited(s), 'server still running');
  t.same(rep.anomalies.map((a) => describeAnomaly(a, SEED + 1, true)), [], 'no hang, unexpected close or internal error');
  t.same(serverErrors(s), [], 'no internal error logged');
  t.ok(rep.writes.some((w) => w.code === 0), 'some mutated writes were valid and accepted');
  t.equal((await answersFresh(s.url)).whoami, `dn:${ROOT_DN}`, 'a fresh connection binds');
  t.same(explain(before, await snapshot(s.url), rep.writes), [], 'no entry changed that an accepted write did not touch');
});

// Found by the fuzzer: a malformed control value inside a sound PDU made the
// search fail with "internal error" (other, 80) instead of protocolError.
t.test('malformed paged-results control values get protocolError', async (t) => {
  const s = await startServer({ seed: true });
  const c = await LdapClient.connect(s.url, { timeoutMs: 10_000 });
  t.teardown(async () => {
    c.close();
    await s.stop();
    cleanup(s.dir);
  });
  const values: [string, string][] = [
    ['not a SEQUENCE', '80'],
    ['empty', ''],
    ['a UTF8String cookie', '30110201020c626f6775732d636f6f6b6965'],
    ['a size of 5 octets', '300902050100000000' + '0400'],
    ['truncated', '3005020182'],
  ];
  for (const [name, hex] of values) {
    await t.rejects(
      c.search(SUFFIX, '(objectClass=*)', { controls: [{ oid: CONTROL.pagedResults, critical: true, value: Buffer.from(hex, 'hex') }] }),
      { code: RC.protocolError },
      name,
    );
  }
  t.equal((await c.search(SUFFIX, '(objectClass=*)', { scope: 0 })).entries.length, 1, 'the connection still works');
  t.same(serverErrors(s), [], 'no internal error logged');
});

t.test('malformed BER closes only its own connection', async (t) => {
  const s = await startServer({ seed: true });
  const good = await Promise.all([0, 1, 2].map(() => LdapClient.connect(s.url, { timeoutMs: 10_000 })));
  t.teardown(async () => {
    for (const c of good) c.close();
    await s.stop();
    cleanup(s.dir);
  });
  for (const c of good) await c.bind(ROOT_DN, ROOT_PW);
  const cases: [string, string, RegExp][] = [
    ['indefinite length', '3080020101420000', /indefinite length/],
    ['a length of 5 octets', '308500000000050201014200', /length of 5 octets/],
    ['not a SEQUENCE', '0403616263', /must be a SEQUENCE/],
    ['an operation longer than its message', '30050201016310', /exceeds the 0 octets left/],
    ['a high tag number', '30050201015f00', /high tag number/],
  ];
  for (const [name, hex, reason] of cases) {
    // Searches in flight on the other connections while the bad one goes.
    const inFlight = good.map((c) => c.search(SUFFIX, '(objectClass=*)', { attributes: ['1.1'] }));
    t.ok((await sendRaw(s.port, Buffer.from(hex, 'hex'))).closed, `${name}: connection closed`);
    const line = await logged(s, reason);
    t.match(line, /closing connection: malformed PDU/, `${name}: logged`);
    t.same((await Promise.all(inFlight)).map((r) => r.entries.length), [12, 12, 12], `${name}: the other connections answered`);
  }
  t.same(good.map((c) => c.closed), [false, false, false], 'the other connections are still open');
});

/** Sends raw octets and collects what comes back until the server closes the connection or `ms` pass. */
function exchange(port: number, bytes: Buffer, ms = 1500): Promise<{ got: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: '127.0.0.1', port }, () => s.write(bytes));
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ got: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => done(false), ms);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => done(true));
  });
}

t.test('a request with a broken encoding hangs up (RFC 4511 §4.1.1); one with bad content is answered', async (t) => {
  const s = await startServer({ seed: true });
  t.teardown(async () => {
    await s.stop();
    cleanup(s.dir);
  });
  // messageID 3: a base search of the root DSE, to see whether the connection still answers.
  const probe = '3025020103632004000a01000a0100020100020100010100870b6f626a656374436c6173733000';
  const compareWithoutAva = '3009020102 6e04 04026f3d'.replace(/ /g, '');
  const broken = await exchange(s.port, Buffer.from(compareWithoutAva + probe, 'hex'));
  t.ok(broken.closed, 'compare without its assertion: connection closed');
  t.match(broken.got.toString('latin1'), /1\.3\.6\.1\.4\.1\.1466\.20036/, 'with the Notice of Disconnection');
  t.equal(broken.got[broken.got.indexOf(0x78) + 4], RC.protocolError, 'its resultCode is protocolError');
  t.notMatch(broken.got.toString('hex'), /020103/, 'and no answer to the request after it');
  t.match(await logged(s, /closing connection: malformed request/), /"msgid":2/, 'logged with its message ID');

  const scope7 = '3025020102632004000a01070a0100020100020100010100870b6f626a656374436c6173733000';
  const bad = await exchange(s.port, Buffer.from(scope7 + probe, 'hex'));
  t.notOk(bad.closed, 'a search scope of 7: the connection stays');
  t.match(bad.got.toString('hex'), /^30..02010265..0a0102/, 'answered protocolError under its message ID');
  t.match(bad.got.toString('hex'), /02010364/, 'and the next request is served');
});

t.test('an oversized PDU closes its connection with a log line', async (t) => {
  const s = await startServer({ seed: true, yaml: 'limits: { maxPduBytes: 65536 }' });
  const other = await LdapClient.connect(s.url, { timeoutMs: 10_000 });
  t.teardown(async () => {
    other.close();
    await s.stop();
    cleanup(s.dir);
  });
  await other.bind(ROOT_DN, ROOT_PW);
  const person = (uid: string, size: number) => ({ objectClass: ['inetOrgPerson'], uid, cn: uid, sn: uid, description: 'x'.repeat(size) });

  // Refused from the header alone: the 64 KiB body is never waited for.
  t.ok((await sendRaw(s.port, Buffer.from('308301000002', 'hex'))).closed, 'a header declaring 65,536 content octets closes the connection');
  t.match(await logged(s, /PDU of 65541 octets exceeds the limit of 65536/), /closing connection: PDU too large/, 'logged with the size and the limit');

  const big = await LdapClient.connect(s.url, { timeoutMs: 10_000 });
  await big.bind(ROOT_DN, ROOT_PW);
  await t.rejects(big.add(`uid=big,ou=people,${SUFFIX}`, person('big', 70_000)), /connection closed/, 'a 70 KB add loses its connection');
  t.ok(big.closed, 'that connection is closed');
  t.ok(await logged(s, /PDU of 70\d{3} octets exceeds the limit/), 'logged');

  await other.add(`uid=fits,ou=people,${SUFFIX}`, person('fits', 60_000));
  t.equal((await other.search(`uid=fits,ou=people,${SUFFIX}`, '(objectClass=*)', { scope: 0 })).entries.length, 1, 'a 60 KB add on another connection works');
  await t.rejects(other.search(`uid=big,ou=people,${SUFFIX}`, '(objectClass=*)', { scope: 0 }), { code: 32 }, 'the oversized add left nothing behind');
});

// Changes from the wire are checked field by field (src/repl/session/validate.ts).
import t from 'tap';
import { validateChange } from '../../../src/repl/session/validate.js';
import { ProtocolError } from '../../../src/errors.js';
import { csn } from './helpers.js';

const uuid = '01a243fc-8b9a-7000-a7fd-ddb80b20280a';
const rename = (extra: Record<string, unknown>) => ({
  op: 'modrdn', csn: csn(3), uuid, rdn: [['cn', Buffer.from('WALT')]], oldRdn: [['cn', Buffer.from('Walter')]], deleteOldRdn: false, ...extra,
});

t.test('a rename with the values it held', async (t) => {
  const ch = validateChange(rename({ held: [[csn(1), 4, new Uint8Array(Buffer.from('Walt'))]] }));
  t.same(ch.op === 'modrdn' && ch.held?.map((h) => h && [h[0], h[1], String(h[2])]), [[csn(1), 4, 'Walt']]);
  t.ok(ch.op === 'modrdn' && Buffer.isBuffer(ch.held![0]![2]), 'octets as a Buffer');
  t.same(validateChange(rename({ held: [null] })).op, 'modrdn', 'null: a new value');
  for (const held of [[], [null, null], [[csn(1), -1, Buffer.from('x')]], [['not a csn', 0, Buffer.from('x')]], [[csn(1), 0, 'text']], 'x']) {
    t.throws(() => validateChange(rename({ held })), ProtocolError, `refused: ${JSON.stringify(held)}`);
  }
});

// An OBSOLETE attribute type in a client's add or modify, as slapd 2.5
// answers it (OpenLDAP's test037-manage, its testObsolete type): 19
// "attribute is obsolete" unless it is only being removed, or the relax
// control is on.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { LdapError, RC } from '../../../src/errors.js';
import { schemaFiles } from '../../../src/schema/load.js';
import { parseSchemaText } from '../../../src/schema/parse.js';
import { Schema } from '../../../src/schema/schema.js';
import { checkClientAttrs, checkClientMods } from '../../../src/store/update.js';

const dir = new URL('../../../schema/', import.meta.url).pathname;
const s = new Schema([
  ...schemaFiles(dir).map((p) => parseSchemaText(readFileSync(p, 'utf8'), p)),
  parseSchemaText("attributetype ( 1.3.6.1.4.1.4203.1.4.8.1 NAME 'testObsolete' OBSOLETE EQUALITY booleanMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.7 SINGLE-VALUE )\n", 'test.schema'),
]);
const v = [Buffer.from('TRUE')];
const obsolete = new LdapError(RC.constraintViolation, 'testObsolete: attribute is obsolete');

t.test('adding or replacing values: refused', async (t) => {
  t.throws(() => checkClientMods(s, [{ op: 0, attr: 'testObsolete', values: v }]), obsolete);
  t.throws(() => checkClientMods(s, [{ op: 2, attr: 'testObsolete', values: v }]), obsolete);
  t.throws(() => checkClientMods(s, [{ op: 1, attr: 'testObsolete', values: v }]), obsolete, 'deleting given values: only a delete of the whole attribute');
  t.throws(() => checkClientAttrs(s, [{ type: 'objectClass', values: [Buffer.from('top')] }, { type: 'testObsolete', values: v }]), obsolete);
});

t.test('removing it, or under relax: allowed here', async (t) => {
  t.doesNotThrow(() => checkClientMods(s, [{ op: 1, attr: 'testObsolete', values: [] }]));
  t.doesNotThrow(() => checkClientMods(s, [{ op: 2, attr: 'testObsolete', values: [] }]));
  t.doesNotThrow(() => checkClientMods(s, [{ op: 0, attr: 'testObsolete', values: v }], true));
  t.doesNotThrow(() => checkClientMods(s, [{ op: 0, attr: 'description', values: v }]), 'other types as before');
});

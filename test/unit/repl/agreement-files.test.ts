// Which files of agreementsDir are agreements: DESIGN.md's "every *.yaml".
import t from 'tap';
import { isAgreementFile } from '../../../src/repl/session/agreements.js';

t.test('every *.yaml, as a shell lists it', async (t) => {
  for (const n of ['m2.yaml', 'to-m2.yaml', 'a.b.yaml']) t.ok(isAgreementFile(n), n);
  for (const n of ['m2.yml', 'M2.YAML', 'm2.Yaml', '.m2.yaml', '.#m2.yaml', 'm2.yaml.bak', 'm2.yaml~', 'm2.yaml.swp', 'README']) t.notOk(isAgreementFile(n), n);
});

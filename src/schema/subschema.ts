// The cn=Subschema entry (RFC 4512 §4.2): every element printed in RFC 4512
// description form, keywords in the RFC's order, as slapd prints them (macros
// expanded, references as written, USAGE userApplications omitted).
import type { Value } from '../dit/entry.js';
import type { Definition } from './parse.js';
import { ruleApplies } from './rules.js';
import type { Schema } from './schema.js';
import type { AttributeType, MatchingRule, ObjectClass } from './types.js';

function qd(s: string): string {
  return `'${s.replace(/\\/g, '\\5C').replace(/'/g, '\\27')}'`;
}

function qdList(v: string[]): string {
  return v.length === 1 ? qd(v[0]) : `( ${v.map(qd).join(' ')} )`;
}

function oidList(v: string[]): string {
  return v.length === 1 ? v[0] : `( ${v.join(' $ ')} )`;
}

function header(oid: string, names: string[], def?: Definition): string[] {
  const out = [oid];
  if (names.length > 0) out.push('NAME', qdList(names));
  const desc = def?.fields.get('DESC');
  if (desc !== undefined) out.push('DESC', qd(desc[0]));
  if (def?.fields.has('OBSOLETE')) out.push('OBSOLETE');
  return out;
}

function extensions(def: Definition): string[] {
  const out: string[] = [];
  for (const [k, v] of def.fields) if (k.startsWith('X-')) out.push(k, qdList(v));
  return out;
}

const wrap = (parts: string[]): string => `( ${parts.join(' ')} )`;

function formatAttributeType(at: AttributeType): string {
  const f = at.def.fields;
  const p = header(at.oid, at.names, at.def);
  for (const key of ['SUP', 'EQUALITY', 'ORDERING', 'SUBSTR']) {
    const ref = f.get(key);
    if (ref !== undefined) p.push(key, ref[0]);
  }
  const syntax = f.get('SYNTAX')?.[0];
  if (syntax !== undefined) p.push('SYNTAX', at.syntax! + (/\{\d*\}$/.exec(syntax)?.[0] ?? ''));
  for (const flag of ['SINGLE-VALUE', 'COLLECTIVE', 'NO-USER-MODIFICATION']) if (f.has(flag)) p.push(flag);
  if (at.usage !== 'userApplications') p.push('USAGE', at.usage);
  return wrap([...p, ...extensions(at.def)]);
}

function formatObjectClass(oc: ObjectClass): string {
  const f = oc.def.fields;
  const p = header(oc.oid, oc.names, oc.def);
  const sup = f.get('SUP');
  if (sup !== undefined) p.push('SUP', oidList(sup));
  p.push(oc.kind);
  for (const key of ['MUST', 'MAY']) {
    const refs = f.get(key);
    if (refs !== undefined) p.push(key, oidList(refs));
  }
  return wrap([...p, ...extensions(oc.def)]);
}

function formatRule(r: MatchingRule): string {
  return wrap([...header(r.oid, r.names), 'SYNTAX', r.syntax]);
}

function formatRuleUse(r: MatchingRule, schema: Schema): string | undefined {
  const applies = schema.allAttributeTypes().filter((at) => ruleApplies(r, at)).map((at) => at.name);
  return applies.length === 0 ? undefined : wrap([...header(r.oid, r.names), 'APPLIES', oidList(applies)]);
}

function formatSyntaxes(schema: Schema): string[] {
  const out = [...schema.syntaxes.values()]
    .filter((s) => !schema.syntaxDefs.has(s.oid))
    .map((s) => wrap([s.oid, 'DESC', qd(s.desc), ...(s.ext === '' ? [] : [s.ext])]));
  for (const [oid, def] of schema.syntaxDefs) out.push(wrap([...header(oid, [], def), ...extensions(def)]));
  return out;
}

const v = (s: string): Value => Buffer.from(s, 'utf8');

/** Attributes of cn=Subschema, keyed like Entry attrs. */
export function subschemaEntry(schema: Schema): Map<string, Value[]> {
  // slapd keeps its DN scope rules out of the list (SLAP_MR_HIDE).
  const rules = schema.allMatchingRules().filter((r) => !r.hidden);
  return new Map<string, Value[]>([
    ['objectClass', ['top', 'subentry', 'subschema'].map(v)],
    ['cn', [v('Subschema')]],
    ['structuralObjectClass', [v('subentry')]],
    ['ldapSyntaxes', formatSyntaxes(schema).map(v)],
    ['matchingRules', rules.map(formatRule).map(v)],
    ['matchingRuleUse', rules.flatMap((r) => formatRuleUse(r, schema) ?? []).map(v)],
    ['attributeTypes', schema.allAttributeTypes().map(formatAttributeType).map(v)],
    ['objectClasses', schema.allObjectClasses().map(formatObjectClass).map(v)],
  ]);
}

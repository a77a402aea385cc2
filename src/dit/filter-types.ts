// RFC 4511 §4.5.1.7 filter, as a plain value. `attr` is the attribute
// description exactly as the client sent it (resolve through the schema when
// evaluating); assertion values are raw octets.
import type { Value } from './entry.js';

export type Filter =
  | { type: 'and'; filters: Filter[] }
  | { type: 'or'; filters: Filter[] }
  | { type: 'not'; filter: Filter }
  | { type: 'equality'; attr: string; value: Value }
  | { type: 'ge'; attr: string; value: Value }
  | { type: 'le'; attr: string; value: Value }
  | { type: 'approx'; attr: string; value: Value }
  | { type: 'present'; attr: string }
  | { type: 'substrings'; attr: string; initial?: Value; any: Value[]; final?: Value }
  | { type: 'extensible'; rule?: string; attr?: string; value: Value; dnAttributes: boolean };

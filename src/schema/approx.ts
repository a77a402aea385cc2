// Approximate matching (`~=`). RFC 4511 leaves the rule to the server; slapd
// compares directory strings word by word with a phonetic code. meshdir does
// the same with American Soundex: every word of the assertion must sound
// like a word of the value, in the same order. A word without letters has
// the empty code, as in slapd's phonetic(): `~=99` sounds like any number in
// the value. Other syntaxes fall back to equality.

const CODES: Record<string, string> = {
  b: '1', f: '1', p: '1', v: '1',
  c: '2', g: '2', j: '2', k: '2', q: '2', s: '2', x: '2', z: '2',
  d: '3', t: '3',
  l: '4',
  m: '5', n: '5',
  r: '6',
};

/** American Soundex of the ASCII letters of a word (e.g. Robert → R163); '' if it has none. */
export function soundex(word: string): string {
  // Letters without their accents (Ünïcödé sounds like Unicode, as in slapd).
  const letters = word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z]/g, '');
  if (letters === '') return '';
  let out = letters[0].toUpperCase();
  let prev = CODES[letters[0]] ?? '';
  for (let i = 1; i < letters.length && out.length < 4; i++) {
    const ch = letters[i];
    const code = CODES[ch] ?? '';
    if (code !== '' && code !== prev) out += code;
    // 'h' and 'w' do not separate equal codes; vowels do.
    if (ch !== 'h' && ch !== 'w') prev = code;
  }
  return out.padEnd(4, '0');
}

/** Phonetic codes of the words of a normalized value. */
export function approxCodes(normalized: string): string[] {
  return normalized.split(' ').filter((w) => w !== '').map(soundex);
}

/** True when every assertion code occurs among the value codes, in order (and there is one: slapd's approxMatch). */
export function approxMatch(value: string[], assertion: string[]): boolean {
  if (assertion.length === 0) return false;
  let j = 0;
  for (const code of assertion) {
    while (j < value.length && value[j] !== code) j++;
    if (j === value.length) return false;
    j++;
  }
  return true;
}

import { InvalidArkError, isValidArk, mintArk, NOID_XDIGITS, noidCheckChar, parseArk, type MintArkOptions } from './index';

/**
 * Published check characters. The first is the worked example of the NOID spec
 * (https://metacpan.org/dist/Noid/view/noid#NOID-CHECK-DIGIT-ALGORITHM); the others are cited by
 * KnowledgeForwardSolutions/CheckDigits.Net (CheckDigits.Net.Tests.Unit/GeneralAlgorithms/
 * NcdAlgorithmTests.cs) as the example of https://n2t.net/e/noid.html and EZID demo ARKs, and by
 * eonm-abes/ncda (src/ncda.rs) for a BnF identifier checked without its NAAN.
 */
const PUBLISHED: ReadonlyArray<[checked: string, check: string]> = [
  ['13030/xf93gt2', 'q'],
  ['13030/tf5p30086', 'k'],
  ['99999/fk4ck01k7', '7'],
  ['99999/fk44479c3', 'd'],
  ['cb32752361', 'd'],
];

/** What the injected bytes of the deterministic mint below produce. */
const FIXED_BYTES = [231, 232, 255, 0, 28, 29, 57, 58, 100, 200];
const FIXED_ARK = 'ark:99999/fk4z0z0z0fww';

/** A random source that hands out the given bytes in order, as many as asked for, then none. */
function byteQueue(bytes: readonly number[]): { random: (n: number) => Buffer; remaining: () => number } {
  const queue = [...bytes];
  return { random: (n) => Buffer.from(queue.splice(0, n)), remaining: () => queue.length };
}

/** The random blade of a `99999`/`fk4` ARK: between the shoulder and the check character. */
function bladeOf(ark: string): string {
  return ark.slice('ark:99999/fk4'.length, -1);
}

function countChars(s: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of s) counts[c] = (counts[c] ?? 0) + 1;
  return counts;
}

/** What a person might type instead of the given characters (upper case is not an error: it normalizes). */
const TYPEABLE = '0123456789abcdefghijklmnopqrstuvwxyz/';

/**
 * Every string one substitution, or one swap of two adjacent different characters, away from `s`,
 * where the characters involved are all in `alphabet`.
 */
function typos(s: string, alphabet: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    if (!alphabet.includes(s[i])) continue;
    for (const c of alphabet) {
      if (c !== s[i]) out.push(s.slice(0, i) + c + s.slice(i + 1));
    }
    if (i + 1 < s.length && alphabet.includes(s[i + 1]) && s[i] !== s[i + 1]) {
      out.push(s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2));
    }
  }
  return out;
}

function mintError(options: MintArkOptions): unknown {
  try {
    mintArk(options);
  } catch (err) {
    return err;
  }
  throw new Error(`minted ${JSON.stringify(options)}`);
}

describe('noidCheckChar', () => {
  it.each(PUBLISHED)('gives the published check character of %s: %s', (checked, check) => {
    expect(noidCheckChar(checked)).toBe(check);
  });

  it('weights each xdigit by its position and counts other characters as zero', () => {
    expect(noidCheckChar('1')).toBe('1');
    expect(noidCheckChar('0000000001')).toBe('b');
    expect(noidCheckChar('13030/xf93gt2')).toBe(noidCheckChar('13030Axf93gt2'));
  });

  it('changes under every xdigit substitution and adjacent transposition up to 28 characters', () => {
    const longest = NOID_XDIGITS.slice(1); // 28 different xdigits
    for (const s of ['13030/xf93gt2', longest]) {
      expect(typos(s, NOID_XDIGITS).filter((t) => noidCheckChar(t) === noidCheckChar(s))).toEqual([]);
    }
  });

  it('misses a substitution at position 29, which is why minting caps the length', () => {
    expect(noidCheckChar(`${'0'.repeat(28)}1`)).toBe(noidCheckChar('0'.repeat(29)));
  });
});

describe('mintArk', () => {
  it.each([
    ['13030', 'xf9', '3gt2', 'ark:13030/xf93gt2q'],
    ['99999', 'fk4', 'ck01k7', 'ark:99999/fk4ck01k77'],
    ['99999', 'fk4', '4479c3', 'ark:99999/fk44479c3d'],
  ])('builds the published ARK from NAAN %s, shoulder %s and blade %s', (naan, shoulder, blade, ark) => {
    expect(mintArk({ naan, shoulder, blade })).toBe(ark);
  });

  it('mints ark:{naan}/{shoulder}, 8 random xdigits and a check character that validates', () => {
    const arks = Array.from({ length: 1000 }, () => mintArk({ naan: '99999', shoulder: 'fk4' }));
    for (const ark of arks) {
      expect(ark).toMatch(/^ark:99999\/fk4[0-9bcdfghjkmnpqrstvwxz]{9}$/);
      expect(isValidArk(ark)).toBe(true);
    }
    expect(new Set(arks).size).toBe(arks.length);
  });

  it('is deterministic with an injected random source, skipping bytes from 232 up', () => {
    // 231 % 29 = 28 → z; 232 and 255 rejected; 0 → 0; 28 → z; 29 → 0; 57 → z; 58 → 0; 100 → f; 200 → w.
    const source = byteQueue(FIXED_BYTES);
    expect(mintArk({ naan: '99999', shoulder: 'fk4', random: source.random })).toBe(FIXED_ARK);
    expect(source.remaining()).toBe(0);
  });

  it('turns one pass over all 256 byte values into every xdigit exactly 8 times (no modulo bias)', () => {
    const source = byteQueue(Array.from({ length: 256 }, (_, i) => 255 - i));
    const blades = Array.from({ length: 29 }, () => bladeOf(mintArk({ naan: '99999', shoulder: 'fk4', random: source.random })));
    expect(source.remaining()).toBe(0);
    expect(countChars(blades.join(''))).toEqual(Object.fromEntries([...NOID_XDIGITS].map((c) => [c, 8])));
  });

  it('draws every xdigit about equally often from crypto random bytes', () => {
    const draws = NOID_XDIGITS.length * 2000;
    const blades = Array.from({ length: draws / 8 }, () => bladeOf(mintArk({ naan: '99999', shoulder: 'fk4' })));
    const counts = countChars(blades.join(''));
    expect(Object.keys(counts).sort()).toEqual([...NOID_XDIGITS].sort());
    // Expected 2000 each, standard deviation about 44: ±300 is a gross bias, never chance.
    for (const count of Object.values(counts)) expect(Math.abs(count - 2000)).toBeLessThan(300);
  });

  it('fails instead of hanging when the random source gives no usable bytes', () => {
    expect(() => mintArk({ naan: '99999', shoulder: 'fk4', random: () => Buffer.alloc(0) })).toThrow(/random source/);
    expect(() => mintArk({ naan: '99999', shoulder: 'fk4', random: (n) => Buffer.alloc(n, 255) })).toThrow(/random source/);
  });

  it.each<[string, MintArkOptions, RegExp]>([
    ['a 4-digit NAAN', { naan: '1234', shoulder: 'fk4' }, /^NAAN must be 5 to 10 digits \(e\.g\. 99999\), got "1234"$/],
    ['an 11-digit NAAN', { naan: '12345678901', shoulder: 'fk4' }, /^NAAN must be 5 to 10 digits/],
    ['a NAAN with letters', { naan: '9999x', shoulder: 'fk4' }, /^NAAN must be 5 to 10 digits/],
    ['a NAAN with spaces', { naan: ' 99999', shoulder: 'fk4' }, /^NAAN must be 5 to 10 digits/],
    ['an empty shoulder', { naan: '99999', shoulder: '' }, /^shoulder must be betanumeric letters \(bcdfghjkmnpqrstvwxz\) followed by one digit \(e\.g\. fk4\), got ""$/],
    ['a shoulder without its digit', { naan: '99999', shoulder: 'fk' }, /^shoulder must be/],
    ['a shoulder ending in two digits', { naan: '99999', shoulder: 'fk44' }, /^shoulder must be/],
    ['a shoulder with a vowel', { naan: '99999', shoulder: 'ak4' }, /^shoulder must be/],
    ['an upper-case shoulder', { naan: '99999', shoulder: 'FK4' }, /^shoulder must be/],
    ['an empty blade', { naan: '99999', shoulder: 'fk4', blade: '' }, /^blade must be non-empty/],
    ['a blade with a vowel', { naan: '99999', shoulder: 'fk4', blade: 'abc' }, /^blade must be .*, got "abc"$/],
    ['a shoulder too long for the check character', { naan: '1234567891', shoulder: 'bcdfghjkm2' }, /is 29 characters; the check character catches every typo only up to 27/],
  ])('rejects %s with InvalidArkError', (_case, options, message) => {
    const err = mintError(options);
    expect(err).toBeInstanceOf(InvalidArkError);
    expect(err).toMatchObject({ name: 'InvalidArkError', message: expect.stringMatching(message) });
  });
});

describe('parseArk', () => {
  it.each([
    FIXED_ARK,
    'ark:/99999/fk4z0z0z0fww',
    '  ark:99999/fk4z0z0z0fww\n',
    'ARK:99999/fk4z0z0z0fww',
    'Ark:/99999/fk4z0z0z0fww',
    'ark:99999/fk4-z0z0-z0fww',
    'ark:99999/-fk4z0z0z0fww-',
    'ark:99999/FK4Z0Z0Z0FWW',
    'https://n2t.net/ark:99999/fk4z0z0z0fww',
    'https://sheaf.example.org:8443/ark:/99999/FK4-Z0Z0-Z0FWW',
    'ark:99999/fk4z0z0z0fww?info',
    'ark:99999/fk4z0z0z0fww??',
    'https://n2t.net/ark:/99999/fk4-z0z0z0fww?info',
  ])('normalizes %j', (input) => {
    expect(parseArk(input)).toEqual({ naan: '99999', name: 'fk4z0z0z0fww', normalized: FIXED_ARK });
  });

  it.each([
    ['an empty string', ''],
    ['the bare label', 'ark:'],
    ['a 3-digit NAAN', 'ark:/123/x'],
    ['a URL without an ARK', 'http://x'],
    ['200 characters shaped like an ARK', `ark:99999/${'b'.repeat(190)}`],
    ['200 characters of junk', 'x'.repeat(200)],
    ['a NAAN without a name', 'ark:99999/'],
    ['a name of hyphens only', 'ark:99999/---'],
    ['no slash after the NAAN', 'ark:99999fk4z0z0z0fww'],
    ['whitespace inside', 'ark:99999/fk4 z0z0z0fww'],
    ['an unknown query', 'ark:99999/fk4z0z0z0fww?version=2'],
    ['a resolver prefix on another scheme', 'ftp://n2t.net/ark:99999/fk4z0z0z0fww'],
    ['another identifier scheme', 'doi:10.1000/182'],
  ])('rejects %s', (_case, input) => {
    expect(parseArk(input)).toBeUndefined();
  });
});

describe('isValidArk', () => {
  it.each(PUBLISHED.filter(([checked]) => checked.includes('/')))('accepts the published ARK %s%s in any spelling', (checked, check) => {
    const [naan, name] = `${checked}${check}`.split('/');
    for (const spelling of [`ark:${naan}/${name}`, `ark:/${naan}/${name}`, ` ARK:${naan}/${name.toUpperCase()}?info`]) {
      expect(isValidArk(spelling)).toBe(true);
    }
  });

  it.each([
    ['a wrong check character', 'ark:99999/fk4z0z0z0fwx'],
    ['a name outside the alphabet', 'ark:99999/fk4a'],
    ['garbage', 'not an ark'],
    ['a published typo, 9 → 8', 'ark:13030/xf83gt2q'],
    ['a published swap, 08 → 80', 'ark:13030/tf5p30806k'],
  ])('rejects %s', (_case, input) => {
    expect(isValidArk(input)).toBe(false);
  });

  it('rejects every single-character typo and adjacent swap of minted ARKs, exhaustively', () => {
    const arks = [
      FIXED_ARK,
      // The longest ARK minting allows: 27 characters under the check.
      mintArk({ naan: '1234567891', shoulder: 'bcdfghj2' }),
      // One whose first NAAN digit typed as '/' reads as another valid ARK (below).
      mintArk({ naan: '1234567891', shoulder: 'bcdfghj2', blade: '33p88c92' }),
      ...Array.from({ length: 50 }, () => mintArk({ naan: '99999', shoulder: 'fk4' })),
    ];
    expect(arks[2]).toBe('ark:1234567891/bcdfghj233p88c929');
    // A first NAAN digit typed as '/' spells `ark:/` and a NAAN one digit shorter: the accepted
    // old spelling of another ARK. For the check character that is a deletion, which NCDA does
    // not promise to catch (about one in 29 such ARKs passes), so only that one typo is set apart.
    for (const ark of arks) {
      expect(isValidArk(ark)).toBe(true);
      const otherArk = `/${ark.slice('ark:'.length + 1)}`;
      const undetected = typos(ark.slice('ark:'.length), TYPEABLE).filter((typo) => typo !== otherArk && isValidArk(`ark:${typo}`));
      expect({ ark, undetected }).toEqual({ ark, undetected: [] });
    }
    // The set-apart typo of the third ARK: a valid ARK of NAAN 234567891.
    expect(parseArk('ark:/234567891/bcdfghj233p88c929')?.naan).toBe('234567891');
    expect(isValidArk('ark:/234567891/bcdfghj233p88c929')).toBe(true);
  });
});

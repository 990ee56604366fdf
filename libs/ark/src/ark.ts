import { randomBytes } from 'node:crypto';
import { NOID_XDIGITS, noidCheckChar } from './ncda';

/** A NAAN or shoulder that cannot make a valid ARK; the message names the part and the rule. */
export class InvalidArkError extends Error {
  override readonly name = 'InvalidArkError';
}

export interface MintArkOptions {
  /** Name Assigning Authority Number: 5 to 10 digits (`99999` is the test NAAN). */
  naan: string;
  /** Betanumeric letters ending in one digit (`fk4`), so that no shoulder is a prefix of another. */
  shoulder: string;
  /** Fixed blade instead of a random one (betanumeric). */
  blade?: string;
  /** Random byte source; `crypto.randomBytes`, drawn in 4 KiB pieces, by default. */
  random?: (bytes: number) => Buffer;
}

export interface ParsedArk {
  naan: string;
  /** Lower-case, hyphens removed; for Sheaf's ARKs `{shoulder}{blade}{check}`. */
  name: string;
  /** `ark:{naan}/{name}`: the one spelling to store, compare and look up. */
  normalized: string;
}

const BLADE_LENGTH = 8;
const NAAN = /^\d{5,10}$/;
const SHOULDER = /^[bcdfghjkmnpqrstvwxz]+\d$/;
const BETANUMERIC = /^[0-9bcdfghjkmnpqrstvwxz]+$/;
/**
 * Longest `{naan}/{shoulder}{blade}` the check character still fully protects: the NCDA catches
 * every single-character substitution and adjacent transposition (the check character included)
 * only while the whole string, check character included, is shorter than 29 characters.
 */
const MAX_CHECKED_LENGTH = 27;
/** Bytes from here to 255 are rejected: 232 = 8 * 29, so every xdigit is equally likely. */
const BYTE_LIMIT = 256 - (256 % NOID_XDIGITS.length);
/** A working random source fills a blade in a few rounds; a broken one fails instead of hanging. */
const MAX_RANDOM_ROUNDS = 32;
/** Longer input is no ARK Sheaf mints; the resolver spends no work on it. */
const MAX_INPUT_LENGTH = 128;
/**
 * Optional resolver prefix (`https://n2t.net/`), the `ark:` label (any case, old `ark:/` form
 * too), NAAN, name (hyphens allowed anywhere), optional `?info`, `??` or `?` inflection.
 */
const ARK = /^(?:https?:\/\/[a-z0-9.-]+(?::\d{1,5})?\/)?ark:\/?(\d{5,10})\/([0-9a-z-]+)(?:\?info|\?\??)?$/i;

/**
 * Mints `ark:{naan}/{shoulder}{blade}{check}`: the blade is 8 random xdigits unless given, the
 * check character is the NCDA over `{naan}/{shoulder}{blade}`. Pure: idempotency (one ARK per
 * verified file version) is the caller's insert, keyed by the file version.
 */
export function mintArk(options: MintArkOptions): string {
  const { naan, shoulder } = options;
  if (!NAAN.test(naan)) {
    throw new InvalidArkError(`NAAN must be 5 to 10 digits (e.g. 99999), got ${JSON.stringify(naan)}`);
  }
  if (!SHOULDER.test(shoulder)) {
    throw new InvalidArkError(
      `shoulder must be betanumeric letters (${NOID_XDIGITS.slice(10)}) followed by one digit (e.g. fk4), got ${JSON.stringify(shoulder)}`,
    );
  }
  const blade = options.blade ?? randomBlade(options.random ?? pooledRandomBytes);
  if (!BETANUMERIC.test(blade)) {
    throw new InvalidArkError(`blade must be non-empty and use only the characters ${NOID_XDIGITS}, got ${JSON.stringify(blade)}`);
  }
  const checked = `${naan}/${shoulder}${blade}`;
  if (checked.length > MAX_CHECKED_LENGTH) {
    throw new InvalidArkError(
      `${checked} is ${checked.length} characters; the check character catches every typo only up to ${MAX_CHECKED_LENGTH}: use a shorter shoulder`,
    );
  }
  return `ark:${checked}${noidCheckChar(checked)}`;
}

const RANDOM_POOL_SIZE = 4096;
let randomPool = Buffer.alloc(0);
let randomPoolUsed = 0;

/**
 * `crypto.randomBytes`, fetched 4 KiB at a time: one call per ~500 blades instead of one per
 * blade (a call cost ~10 µs, a tenth of a second per 10,000 ARKs). Each refill is a new buffer,
 * so bytes handed out are never reused or overwritten.
 */
function pooledRandomBytes(bytes: number): Buffer {
  if (randomPoolUsed + bytes > randomPool.length) {
    randomPool = randomBytes(Math.max(RANDOM_POOL_SIZE, bytes));
    randomPoolUsed = 0;
  }
  const out = randomPool.subarray(randomPoolUsed, randomPoolUsed + bytes);
  randomPoolUsed += bytes;
  return out;
}

/** {@link BLADE_LENGTH} xdigits, each uniform: rejection sampling, no modulo bias. */
function randomBlade(random: (bytes: number) => Buffer): string {
  let blade = '';
  for (let round = 0; blade.length < BLADE_LENGTH; round++) {
    if (round === MAX_RANDOM_ROUNDS) {
      throw new Error(`random source gave no usable bytes in ${MAX_RANDOM_ROUNDS} rounds`);
    }
    for (const byte of random(BLADE_LENGTH - blade.length)) {
      if (byte < BYTE_LIMIT) blade += NOID_XDIGITS.charAt(byte % NOID_XDIGITS.length);
      if (blade.length === BLADE_LENGTH) break;
    }
  }
  return blade;
}

/**
 * Reads an ARK as people and resolvers write it: `ark:99999/fk4…`, `ark:/99999/fk4…`,
 * `ARK:`, hyphens and upper case in the name, surrounding whitespace, an `https://host/` resolver
 * prefix, a trailing `?info` or `??`. Undefined for anything else, qualifiers (`/c3`, `.v2`)
 * included: Sheaf mints none. Says nothing about the check character: see {@link isValidArk}.
 */
export function parseArk(input: string): ParsedArk | undefined {
  const trimmed = input.trim();
  if (trimmed.length > MAX_INPUT_LENGTH) return undefined;
  const match = ARK.exec(trimmed);
  if (!match) return undefined;
  const [, naan, rawName] = match;
  const name = rawName.replace(/-/g, '').toLowerCase();
  if (name === '') return undefined;
  return { naan, name, normalized: `ark:${naan}/${name}` };
}

/** True when the input parses, its name is betanumeric, and it ends in the right NCDA check character. */
export function isValidArk(input: string): boolean {
  const ark = parseArk(input);
  if (!ark || ark.name.length < 2 || !BETANUMERIC.test(ark.name)) return false;
  return noidCheckChar(`${ark.naan}/${ark.name.slice(0, -1)}`) === ark.name.slice(-1);
}

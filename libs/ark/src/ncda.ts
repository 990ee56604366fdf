/**
 * The NOID "extended digits": digits and consonants without `l` (looks like 1) and `y`. ARK
 * blades and check characters are drawn from these 29 characters; 29 is prime, which is what
 * lets the check character catch every single-character error.
 */
export const NOID_XDIGITS = '0123456789bcdfghjkmnpqrstvwxz';

/**
 * The NOID Check Digit Algorithm (NCDA): the sum of position (from 1) times ordinal (index in
 * {@link NOID_XDIGITS}; any other character, such as `/`, counts as 0), modulo 29, mapped back to
 * an xdigit. Over `13030/xf93gt2` it gives `q`, so the ARK is `ark:/13030/xf93gt2q`
 * (https://metacpan.org/dist/Noid/view/noid#NOID-CHECK-DIGIT-ALGORITHM).
 *
 * It detects every substitution of one xdigit for another and every transposition of two
 * adjacent different xdigits as long as the string plus its check character is shorter than 29
 * characters. Characters outside the alphabet all count as 0, so swapping `/` with an adjacent `0`
 * goes unnoticed.
 */
export function noidCheckChar(s: string): string {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    sum += (i + 1) * Math.max(NOID_XDIGITS.indexOf(s.charAt(i)), 0);
  }
  return NOID_XDIGITS.charAt(sum % NOID_XDIGITS.length);
}

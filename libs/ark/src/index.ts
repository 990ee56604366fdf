export { NOID_XDIGITS, noidCheckChar } from './ncda';
export { InvalidArkError, isValidArk, mintArk, parseArk, type MintArkOptions, type ParsedArk } from './ark';

/**
 * rclone spells some names its own way in listings and file lists: a control character shows as
 * its Unicode symbol (a tab as ␉, U+2409; DEL as ␡), and a name's own symbol or ‛ (U+201B) is
 * quoted with a ‛ before it. rclone reads its spelling back, but the file system does not.
 */
const SPELLED = /[\u2400-\u241f\u2421\u201b]/;
const SPELLING = /\u201b([\u2400-\u241f\u2421\u201b])|([\u2400-\u241f\u2421])/g;

/** The name on disk of a path as rclone lists a local file. */
export function localName(rclonePath: string): string {
  if (!SPELLED.test(rclonePath)) return rclonePath;
  return rclonePath.replace(SPELLING, (_match, quoted: string | undefined, symbol: string | undefined) => {
    if (quoted) return quoted;
    return symbol === '\u2421' ? '\x7f' : String.fromCharCode(symbol!.charCodeAt(0) - 0x2400);
  });
}

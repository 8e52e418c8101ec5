/** Character codes the fast XML path compares (charCodeAt of its latin1 text, or bytes), named. */
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const BANG = 0x21; // !
export const QUOTE = 0x22; // "
export const HASH = 0x23; // #
export const PERCENT = 0x25; // %
export const AMP = 0x26; // &
export const APOS = 0x27; // '
export const HYPHEN = 0x2d; // -
export const SLASH = 0x2f; // /
export const LT = 0x3c; // <
export const GT = 0x3e; // >
export const QUESTION = 0x3f; // ?
export const LBRACKET = 0x5b; // [
export const RBRACKET = 0x5d; // ]
export const LOWER_X = 0x78; // x

/** XML white space (S): space, line feed, tab, carriage return. */
export function isWs(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

/** Whether XML 1.0 allows the code point (Char production). */
export function isXmlChar(cp: number): boolean {
  return (
    cp === TAB ||
    cp === LF ||
    cp === CR ||
    (cp >= SPACE && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Attribute values on the fast path: which raw values need decoding, and their decoding (UTF-8 from the
 * latin1 window, line ends and tabs to spaces, the five predefined entities and character references).
 */
import { leave } from './leave-fast-path.ts';
import { AMP, HASH, LOWER_X, LT, SPACE, isXmlChar } from './xml-chars.ts';

const nonAsciiRe = /[^\x00-\x7f]/; // eslint-disable-line no-control-regex -- the complement of ASCII
// eslint-disable-next-line no-control-regex -- control characters are what these look for
const ctrlRe = /[\x00-\x1f]/;
// eslint-disable-next-line no-control-regex -- control characters are what these look for
const badCtrlRe = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;
const wsNormRe = /\r\n|[\t\n\r]/g;
/**
 * Bytes that make an attribute value need decoding: '&', '<', control characters (tab, CR and LF become
 * spaces), bytes of non-ASCII characters.
 */
const careBytes = new Uint8Array(256);
for (let c = 0; c < 256; c++) careBytes[c] = c < SPACE || c >= 0x80 || c === AMP || c === LT ? 1 : 0;

/**
 * Whether the value u[q, ve) holds a byte of careBytes. A loop over the bytes of a plain value (a date,
 * a type name) costs less than a regular-expression call on it.
 */
export function needsDecoding(u: Buffer, q: number, ve: number): boolean {
  for (let k = q; k < ve; k++) if (careBytes[u[k] as number] === 1) return true;
  return false;
}

/**
 * Decodes an attribute value that holds '&', '<', control characters or non-ASCII bytes: UTF-8 from the
 * latin1 window, literal tab/CR/LF to spaces (XML 1.0 3.3.3), then entities. Jumps from '&' to '&' with
 * indexOf and copies the runs between: Apple's device descriptions (`&lt;&lt;HKDevice: ...&gt;`) are on
 * most records, and a per-character build would flood the collector.
 */
export function decodeValue(raw: string): string {
  // The scanner reads UTF-8 bytes as latin1 (one char per byte, see Utf8Window); non-ASCII values are
  // turned back into their characters before entity decoding (entities are ASCII, so order is safe).
  let v = nonAsciiRe.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  if (v.includes('<')) leave('"<" in an attribute value');
  if (ctrlRe.test(v)) {
    if (badCtrlRe.test(v)) leave('control character in an attribute value');
    // Literal line ends and tabs become spaces (a CR LF pair is one line end); character references do not.
    v = v.replace(wsNormRe, ' ');
  }
  let amp = v.indexOf('&');
  if (amp === -1) return v;
  let out = '';
  let i = 0;
  while (amp !== -1) {
    out += v.slice(i, amp);
    const semi = v.indexOf(';', amp + 1);
    if (semi === -1) leave('"&" without ";" in an attribute value');
    const k = amp + 1;
    if (semi === k + 2 && v.startsWith('lt', k)) out += '<';
    else if (semi === k + 2 && v.startsWith('gt', k)) out += '>';
    else if (semi === k + 3 && v.startsWith('amp', k)) out += '&';
    else if (semi === k + 4 && v.startsWith('quot', k)) out += '"';
    else if (semi === k + 4 && v.startsWith('apos', k)) out += "'";
    else if (v.charCodeAt(k) === HASH) {
      const hex = v.charCodeAt(k + 1) === LOWER_X;
      const digits = v.slice(hex ? k + 2 : k + 1, semi);
      if (!(hex ? /^[0-9A-Fa-f]+$/ : /^[0-9]+$/).test(digits)) leave('malformed character reference');
      const cp = parseInt(digits, hex ? 16 : 10);
      if (!isXmlChar(cp)) leave('character reference to a character XML does not allow');
      out += String.fromCodePoint(cp);
    } else leave('entity reference other than the five predefined ones');
    i = semi + 1;
    amp = v.indexOf('&', i);
  }
  return out + v.slice(i);
}

import { isUtf8 } from 'node:buffer';
import { ClarityError } from '../../errors.ts';
import type { AttrMap, ElementBuilder } from './elements.ts';

/**
 * Cuts UTF-8 byte chunks at character boundaries after checking that they are valid UTF-8 (simdutf, via
 * buffer.isUtf8); the scanner reads them as latin1 text (one char per byte). Latin1 strings are one byte
 * per char in V8 and cost a copy to make, where UTF-8 decoding of text with any non-ASCII character
 * (Apple's "Jane’s iPhone") gives two-byte strings; all markup is ASCII, and the scanner decodes the few
 * values with bytes above 0x7f itself. A leading byte-order mark is dropped, as a UTF-8 decoder does.
 */
export class Utf8Window {
  private carry: Buffer | null = null;
  private atStart = true;
  /** Bytes accepted so far (for error positions). */
  bytes = 0;

  push(chunk: Uint8Array): Buffer {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.carry) buf = Buffer.concat([this.carry, buf]);
    this.carry = null;
    if (this.atStart) {
      if (buf.length < 3 && [0xef, 0xbb, 0xbf].slice(0, buf.length).every((b, i) => buf[i] === b)) {
        this.carry = Buffer.from(buf);
        return noBytes;
      }
      this.atStart = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    let cut = buf.length;
    for (let k = 1; k <= Math.min(3, buf.length); k++) {
      const b = buf[buf.length - k] as number;
      if (b < 0x80) break;
      if (b >= 0xc0) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (need > k) cut = buf.length - k;
        break;
      }
    }
    if (cut < buf.length) {
      this.carry = Buffer.from(buf.subarray(cut));
      buf = buf.subarray(0, cut);
    }
    if (!isUtf8(buf))
      throw new ClarityError('parse_error', `the file is not valid UTF-8 (near byte ${this.bytes})`);
    this.bytes += buf.length;
    return buf;
  }

  /** Bytes of an incomplete character held back (handed to a UTF-8 decoder on a switch). */
  takeCarry(): Buffer | null {
    const c = this.carry;
    this.carry = null;
    return c;
  }

  end(): void {
    if (this.carry)
      throw new ClarityError('parse_error', 'the file ends inside a UTF-8 character (truncated?)');
  }
}

/** Latin1 text of UTF-8 bytes (as the fast path holds it) back to the characters. */
export function latin1ToUtf8(text: string): string {
  return Buffer.from(text, 'latin1').toString('utf8');
}

/**
 * A scanner for the subset of XML that Apple Health writes: start/end/empty tags with quoted attributes,
 * the five predefined entities and character references, comments, processing instructions, CDATA and a
 * DOCTYPE whose internal subset declares no entities. It finds tags and value ends with indexOf on latin1
 * windows of the bytes, predicts names from the previous tags, and decodes a value only when it holds
 * '&', control characters or non-ASCII bytes (recalling the decoded string when the same raw value repeats).
 *
 * It never guesses: on anything outside that subset, or anything malformed (mismatched or unclosed tags,
 * text content, unknown entities, duplicate attributes), it throws LeaveFastPath carrying the text from the
 * last top-level element boundary, and the caller hands that text and the rest of the stream to the
 * conforming parser (saxes), which either reads it or reports the XML error. The switch is a pure function
 * of the input, so it happens at the same place on every run.
 */
export class LeaveFastPath extends Error {
  readonly reason: string;
  /** Decoded text from the resume point (a top-level boundary) to the end of what was fed. */
  resumeText = '';
  /** Where the conforming parser resumes: from the file start, inside the root, or after it. */
  mode: 'whole' | 'insideRoot' | 'afterRoot' = 'whole';

  constructor(reason: string) {
    super(`fast path left: ${reason}`);
    this.name = 'LeaveFastPath';
    this.reason = reason;
  }
}

const noBytes = Buffer.alloc(0);
/** Bytes of new input per scanned window (see FastScanner.feed). */
const windowBytes = 64 * 1024;
/** Fewest new bytes worth rescanning an unfinished element for. */
const minScanBytes = 4096;

/** Largest top-level element (or prolog) held while waiting for its end: a Workout with an inline route. */
const maxPendingChars = 64 * 1024 * 1024;

const nameRe = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function leave(reason: string): never {
  throw new LeaveFastPath(reason);
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

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
for (let c = 0; c < 256; c++) careBytes[c] = c < 0x20 || c >= 0x80 || c === 0x26 || c === 0x3c ? 1 : 0;

/**
 * Whether the value u[q, ve) holds a byte of careBytes. A loop over the bytes of a plain value (a date,
 * a type name) costs less than a regular-expression call on it.
 */
function needsDecoding(u: Buffer, q: number, ve: number): boolean {
  for (let k = q; k < ve; k++) if (careBytes[u[k] as number] === 1) return true;
  return false;
}

/**
 * Decodes an attribute value that holds '&', '<', control characters or non-ASCII bytes: UTF-8 from the
 * latin1 window, literal tab/CR/LF to spaces (XML 1.0 3.3.3), then entities. Jumps from '&' to '&' with
 * indexOf and copies the runs between: Apple's device descriptions (`&lt;&lt;HKDevice: ...&gt;`) are on
 * most records, and a per-character build would flood the collector.
 */
function decodeValue(raw: string): string {
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
    else if (v.charCodeAt(k) === 35) {
      const hex = v.charCodeAt(k + 1) === 120;
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

/**
 * Element and attribute names Apple writes. A name matched here is used as this constant string, so object
 * keys are internalised once rather than per record (a measurable share of the scan time).
 */
const knownNames = [
  'HealthData',
  'ExportDate',
  'Me',
  'Record',
  'MetadataEntry',
  'HeartRateVariabilityMetadataList',
  'InstantaneousBeatsPerMinute',
  'Workout',
  'WorkoutEvent',
  'WorkoutStatistics',
  'WorkoutRoute',
  'Location',
  'FileReference',
  'ActivitySummary',
  'Correlation',
  'type',
  'unit',
  'value',
  'sourceName',
  'sourceVersion',
  'device',
  'creationDate',
  'startDate',
  'endDate',
  'key',
  'bpm',
  'time',
  'date',
  'locale',
  'workoutActivityType',
  'duration',
  'durationUnit',
  'totalDistance',
  'totalDistanceUnit',
  'totalEnergyBurned',
  'totalEnergyBurnedUnit',
  'sum',
  'average',
  'minimum',
  'maximum',
  'dateComponents',
  'activeEnergyBurned',
  'activeEnergyBurnedGoal',
  'activeEnergyBurnedUnit',
  'appleMoveTime',
  'appleMoveTimeGoal',
  'appleExerciseTime',
  'appleExerciseTimeGoal',
  'appleStandHours',
  'appleStandHoursGoal',
  'latitude',
  'longitude',
  'altitude',
  'horizontalAccuracy',
  'verticalAccuracy',
  'course',
  'speed',
  'path',
];
// Keyed by length, first and last character: one candidate to confirm with startsWith.
const knownByKey = new Map<number, string[]>();
const nameKey = (len: number, first: number, last: number): number => (len << 16) | (first << 8) | last;
for (const n of knownNames) {
  const key = nameKey(n.length, n.charCodeAt(0), n.charCodeAt(n.length - 1));
  const list = knownByKey.get(key);
  if (list) list.push(n);
  else knownByKey.set(key, [n]);
}

function knownName(s: string, a: number, b: number): string | undefined {
  if (b <= a) return undefined;
  const list = knownByKey.get(nameKey(b - a, s.charCodeAt(a) & 0xff, s.charCodeAt(b - 1) & 0xff));
  if (list === undefined) return undefined;
  for (const k of list) if (s.startsWith(k, a)) return k;
  return undefined;
}

export class FastScanner {
  /** Bytes after the last top-level boundary, carried into the next window. */
  private pending: Buffer = noBytes;
  /** Chunks received while waiting for enough bytes to rescan pending (see feed). */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private readonly b: ElementBuilder;
  /** Characters of decoded text fed so far before `pending` (for the XML declaration check). */
  private consumedChars = 0;

  constructor(builder: ElementBuilder) {
    this.b = builder;
  }

  /**
   * Feeds the next validated UTF-8 bytes (from Utf8Window). Completed elements land in builder.out.
   * The bytes are scanned in latin1 windows of about 64 KiB: a longer string would be allocated in V8's
   * large-object space, page by page, which costs more than the scan itself.
   */
  feed(bytes: Buffer): void {
    // While an unfinished element is carried over, small chunks are held (copied) until the new bytes are
    // at least as many as the carried ones: scanning after every small chunk would rescan a large element
    // each time, quadratic in its size. Every byte is then scanned a bounded number of times.
    if (this.pending.length > 0) {
      if (this.heldBytes + bytes.length < Math.max(minScanBytes, this.pending.length)) {
        this.held.push(Buffer.from(bytes));
        this.heldBytes += bytes.length;
        return;
      }
      this.takeHeld();
    }
    this.scanBytes(bytes);
  }

  /** Moves the held chunks into pending. */
  private takeHeld(): void {
    if (this.held.length === 0) return;
    this.pending = Buffer.concat([this.pending, ...this.held]);
    this.held = [];
    this.heldBytes = 0;
  }

  private scanBytes(bytes: Buffer): void {
    let off = 0;
    while (off < bytes.length) {
      // A window is a view of the chunk, or the unfinished element carried over from the previous chunk
      // joined with the next bytes (it grows with a large element, so that is rescanned a bounded number
      // of times).
      const carried = this.pending.length;
      const take = Math.min(bytes.length - off, Math.max(windowBytes, carried));
      const end = off + take;
      const w =
        carried > 0 ? Buffer.concat([this.pending, bytes.subarray(off, end)]) : bytes.subarray(off, end);
      const s = w.toString('latin1');
      let commit: number;
      try {
        commit = this.scan(s, w);
      } catch (e) {
        if (e instanceof LeaveFastPath) {
          this.prepareLeave(e, s, this.lastCommit);
          if (end < bytes.length) e.resumeText += bytes.toString('latin1', end);
        }
        throw e;
      }
      this.b.rollback();
      this.consumedChars += commit;
      const rest = w.length - commit;
      if (rest === 0) {
        this.pending = noBytes;
        off = end;
      } else if (commit > 0 && commit >= carried && end < bytes.length) {
        // The unfinished element lies in this chunk: the next window starts on it, without a copy.
        this.pending = noBytes;
        off = end - rest;
      } else {
        this.pending = Buffer.from(w.subarray(commit));
        off = end;
      }
      if (this.pending.length > maxPendingChars) {
        throw new ClarityError(
          'parse_error',
          'an element of the export is larger than 64 MB; the file is not a usable export',
        );
      }
    }
  }

  /** End of input: anything left over means the document is incomplete; the conforming parser says how. */
  end(): void {
    if (this.held.length > 0) {
      const rest = Buffer.concat(this.held);
      this.held = [];
      this.heldBytes = 0;
      this.scanBytes(rest);
    }
    const rest = this.pending.toString('latin1');
    for (let i = 0; i < rest.length; i++) {
      if (!isWs(rest.charCodeAt(i))) {
        const e = new LeaveFastPath('input ends inside markup');
        this.prepareLeave(e, rest, 0);
        throw e;
      }
    }
    if (!this.b.rootOpened || !this.b.rootClosed) {
      const e = new LeaveFastPath('input ends before the root element is closed');
      this.prepareLeave(e, rest, 0);
      throw e;
    }
  }

  private lastCommit = 0;
  /** The element last read at each of the first depths (null before any, or past the bounds on state). */
  private readonly nameAtDepth: (ElementInfo | null)[] = new Array<ElementInfo | null>(guessDepths).fill(
    null,
  );
  private readonly elements = new Map<string, ElementInfo>();
  /** Serial number of the start tag being read. */
  private serial = 0;

  private prepareLeave(e: LeaveFastPath, s: string, commit: number): void {
    this.b.rollback();
    e.resumeText = s.slice(commit);
    e.mode = !this.b.rootOpened ? 'whole' : this.b.rootClosed ? 'afterRoot' : 'insideRoot';
    this.pending = noBytes;
  }

  /** Scans s and returns the index of the last top-level boundary reached. */
  private scan(s: string, u: Buffer): number {
    const b = this.b;
    const len = s.length;
    let pos = 0;
    let commit = 0;
    this.lastCommit = 0;
    let sawDoctype = false;
    for (;;) {
      const lt = s.indexOf('<', pos);
      const textEnd = lt === -1 ? len : lt;
      for (let i = pos; i < textEnd; i++) {
        if (!isWs(s.charCodeAt(i))) leave('text content (the export format has none)');
      }
      if (lt === -1) {
        pos = len;
        if (b.rootOpened && b.depth <= 1) commit = this.lastCommit = pos;
        break;
      }
      if (lt + 1 >= len) break;
      const c = s.charCodeAt(lt + 1);
      if (c === 47) {
        const top = b.topName() ?? '';
        const gtAt = lt + 2 + top.length;
        if (top.length > 0 && gtAt < len && s.charCodeAt(gtAt) === 62 && s.startsWith(top, lt + 2)) {
          b.close(top);
          pos = gtAt + 1;
        } else {
          const gt = s.indexOf('>', lt + 2);
          if (gt === -1) break;
          let nameEnd = gt;
          while (isWs(s.charCodeAt(nameEnd - 1))) nameEnd--;
          const name = s.slice(lt + 2, nameEnd);
          if (top.length === 0 || top !== name) leave('end tag does not match the open element');
          b.close(name);
          pos = gt + 1;
        }
      } else if (c === 33) {
        if (lt + 9 > len) break;
        if (s.startsWith('<!--', lt)) {
          const e = s.indexOf('-->', lt + 4);
          if (e === -1) break;
          if (s.slice(lt + 4, e).includes('--') || s.charCodeAt(e - 1) === 45) leave('"--" inside a comment');
          pos = e + 3;
        } else if (s.startsWith('<![CDATA[', lt)) {
          if (b.depth === 0) leave('CDATA outside the root element');
          const e = s.indexOf(']]>', lt + 9);
          if (e === -1) break;
          for (let i = lt + 9; i < e; i++) if (!isWs(s.charCodeAt(i))) leave('CDATA with text content');
          pos = e + 3;
        } else if (s.startsWith('<!DOCTYPE', lt)) {
          if (b.rootOpened || sawDoctype) leave('DOCTYPE after the prolog');
          const e = doctypeEnd(s, lt + 9);
          if (e === -1) break;
          sawDoctype = true;
          pos = e;
        } else leave('markup declaration the fast path does not handle');
      } else if (c === 63) {
        const e = s.indexOf('?>', lt + 2);
        if (e === -1) break;
        const target = /^[^\s?]*/.exec(s.slice(lt + 2, Math.min(e, lt + 40)))?.[0] ?? '';
        if (target.toLowerCase() === 'xml' && (lt !== 0 || this.consumedChars !== 0 || target !== 'xml')) {
          leave('XML declaration not at the start of the document');
        }
        if (target === '') leave('processing instruction without a target');
        pos = e + 2;
      } else {
        if (b.rootClosed) leave('content after the root element');
        const end = this.startTag(s, u, lt);
        if (end === -1) break;
        pos = end;
      }
      if (b.rootOpened && b.depth <= 1) commit = this.lastCommit = pos;
    }
    return commit;
  }

  /**
   * Parses the start tag at s[lt] ('<' then a name). Returns the index after '>', or -1 if incomplete.
   * This is the hot loop of the whole import, kept small so V8 compiles it quickly and well: it predicts
   * the element name and each next attribute name from the previous ones, and recalls decoded values;
   * what it does not predict goes to the helpers below. Reads stay inside the string (an out-of-range
   * charCodeAt gives NaN and deoptimises the compiled code).
   */
  private startTag(s: string, u: Buffer, lt: number): number {
    const len = s.length;
    const b = this.b;
    const name = this.elementName(s, u, lt);
    if (name === undefined) return -1;
    let p = this.cursor;
    const el = this.elementInfo(name);
    const serial = ++this.serial;
    const attrs: AttrMap = {};
    let prev: AttrSlot | null = null;
    for (;;) {
      if (p >= len) return -1;
      let ch = s.charCodeAt(p);
      if (ch === 62) {
        b.open(name, attrs);
        return p + 1;
      }
      if (ch === 47) {
        if (p + 1 >= len) return -1;
        if (s.charCodeAt(p + 1) !== 62) leave('"/" not followed by ">"');
        b.open(name, attrs);
        b.close(name);
        return p + 2;
      }
      if (!isWs(ch)) leave('attributes not separated by whitespace');
      do {
        if (++p >= len) return -1;
        ch = s.charCodeAt(p);
      } while (isWs(ch));
      if (ch === 62 || ch === 47) continue;
      // The attribute that followed the previous one last time, written as Apple writes it: name="...
      let slot: AttrSlot | null = el === null ? null : prev === null ? el.first : prev.next;
      let q: number;
      let quote = 34;
      if (slot !== null && bytesAt(u, p, slot.prefix)) {
        q = p + slot.prefix.length;
      } else {
        q = this.attributeName(s, p);
        if (q === -1) return -1;
        quote = this.quote;
        slot = el === null ? null : el.slot(this.attrName);
        if (slot === null) {
          p = this.unslottedValue(s, u, q, quote, this.attrName, attrs);
          if (p === -1) return -1;
          prev = null;
          continue;
        }
        if (prev === null) (el as ElementInfo).first = slot;
        else prev.next = slot;
      }
      if (slot.serial === serial) leave('duplicate attribute');
      slot.serial = serial;
      let ve = slot.memoSize > 0 ? slot.recall(s, q, quote) : -1;
      let v: string;
      if (ve !== -1) v = slot.recalled;
      else {
        ve = s.indexOf(quote === 34 ? '"' : "'", q);
        if (ve === -1) return -1;
        v = s.slice(q, ve);
        if (needsDecoding(u, q, ve)) v = slot.decode(v, quote);
      }
      attrs[slot.name] = v;
      p = ve + 1;
      prev = slot;
    }
  }

  /** Index after the element name (set by elementName). */
  private cursor = 0;
  /** Name and quote character of the attribute read by attributeName. */
  private attrName = '';
  private quote = 34;

  /**
   * The name of the element whose start tag is at s[lt], or undefined if the text ends first; sets cursor
   * to the index after it. Tries the name last seen at this depth first (a file is runs of one element).
   */
  private elementName(s: string, u: Buffer, lt: number): string | undefined {
    const depth = this.b.depth;
    const guess = depth < guessDepths ? (this.nameAtDepth[depth] as ElementInfo | null) : null;
    if (guess !== null) {
      const e = lt + 1 + guess.bytes.length;
      if (e < u.length) {
        const ch = u[e] as number;
        if ((ch <= 32 || ch === 47 || ch === 62) && bytesAt(u, lt + 1, guess.bytes)) {
          this.cursor = e;
          return guess.name;
        }
      }
    }
    const len = s.length;
    let p = lt + 1;
    while (p < len) {
      const ch = s.charCodeAt(p);
      if (ch <= 32 || ch === 47 || ch === 62) break;
      p++;
    }
    if (p >= len) return undefined;
    let name = knownName(s, lt + 1, p);
    if (name === undefined) {
      name = s.slice(lt + 1, p);
      if (!nameRe.test(name)) leave('element name outside the fast path (namespaces, non-ASCII or invalid)');
    }
    if (depth < guessDepths) this.nameAtDepth[depth] = this.elementInfo(name);
    this.cursor = p;
    return name;
  }

  /**
   * Reads `name = "` at s[p] (any whitespace around '=', either quote); sets attrName and quote and
   * returns the index after the opening quote, or -1 if the text ends first.
   */
  private attributeName(s: string, p: number): number {
    const len = s.length;
    const eq = s.indexOf('=', p);
    if (eq === -1) return -1;
    let ne = eq;
    while (isWs(s.charCodeAt(ne - 1))) ne--;
    let an = knownName(s, p, ne);
    if (an === undefined) {
      an = s.slice(p, ne);
      if (!nameRe.test(an) || an === '__proto__') leave('attribute name outside the fast path');
    }
    let q = eq + 1;
    while (q < len && isWs(s.charCodeAt(q))) q++;
    if (q >= len) return -1;
    const quote = s.charCodeAt(q);
    if (quote !== 34 && quote !== 39) leave('unquoted attribute value');
    this.attrName = an;
    this.quote = quote;
    return q + 1;
  }

  /**
   * The value of an attribute without a slot (a name on Object.prototype, or past the bounds on state),
   * stored the plain way. Returns the index after the closing quote, or -1 if the text ends first.
   */
  private unslottedValue(
    s: string,
    u: Buffer,
    q: number,
    quote: number,
    name: string,
    attrs: AttrMap,
  ): number {
    const ve = s.indexOf(quote === 34 ? '"' : "'", q);
    if (ve === -1) return -1;
    let v = s.slice(q, ve);
    if (needsDecoding(u, q, ve)) v = decodeValue(v);
    // A plain-object lookup; a name found on Object.prototype also leaves (saxes decides), never wrongly stays.
    if (attrs[name] !== undefined) leave('duplicate attribute');
    attrs[name] = v;
    return ve + 1;
  }

  /** The attribute slots of an element name; null once too many names were seen (the plain way then). */
  private elementInfo(name: string): ElementInfo | null {
    let el = this.elements.get(name);
    if (el === undefined) {
      if (this.elements.size >= maxElementInfos) return null;
      el = new ElementInfo(name);
      this.elements.set(name, el);
    }
    return el;
  }
}

/**
 * What the scanner remembers about one attribute of one element name: the attribute that followed it last
 * time (Apple writes attributes in a fixed order, so this predicts the next name), and the last few raw
 * values that needed decoding with their decoded strings, recalled when the same raw text comes again:
 * Apple repeats the source name (often with a curly apostrophe) and the entity-laden device description
 * on every record of a source, and records of two sources (watch and phone) interleave.
 */
class AttrSlot {
  readonly name: string;
  /** `name="` in bytes: the form Apple writes. */
  readonly prefix: Buffer;
  next: AttrSlot | null = null;
  /** Serial number of the start tag that last set this attribute (duplicate check). */
  serial = 0;
  /** Raw values (text between the quotes as flat latin1 strings), their quote characters, decoded values. */
  private readonly raws: string[] = [];
  private readonly quotes: number[] = [];
  private readonly values: string[] = [];
  memoSize = 0;
  private memoNext = 0;
  /** The value found by the last successful recall. */
  recalled = '';

  constructor(name: string) {
    this.name = name;
    this.prefix = Buffer.from(`${name}="`, 'latin1');
  }

  /**
   * If s at q holds one of the remembered raw values followed by its quote, sets recalled to its decoded
   * value and returns the index of the closing quote; otherwise -1.
   */
  recall(s: string, q: number, quote: number): number {
    for (let k = 0; k < this.memoSize; k++) {
      const raw = this.raws[k] as string;
      const ve = q + raw.length;
      // A slice compared with === (memcmp) beats startsWith (char by char) on values this long.
      if (this.quotes[k] === quote && ve < s.length && s.charCodeAt(ve) === quote && s.slice(q, ve) === raw) {
        this.recalled = this.values[k] as string;
        return ve;
      }
    }
    return -1;
  }

  /** Decodes a raw value and remembers it (replacing the oldest of memoEntries). */
  decode(raw: string, quote: number): string {
    const value = decodeValue(raw);
    const k = this.memoNext;
    this.raws[k] = flat(raw);
    this.quotes[k] = quote;
    this.values[k] = value;
    this.memoNext = (k + 1) % memoEntries;
    if (this.memoSize < memoEntries) this.memoSize++;
    return value;
  }
}

class ElementInfo {
  readonly name: string;
  /** The name in bytes, to recognise the next start tag of this element. */
  readonly bytes: Buffer;
  first: AttrSlot | null = null;

  constructor(name: string) {
    this.name = name;
    this.bytes = Buffer.from(name, 'latin1');
  }

  private readonly slots = new Map<string, AttrSlot>();

  /** The slot of an attribute name; null for a name on Object.prototype or once the element has too many. */
  slot(name: string): AttrSlot | null {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      if (this.slots.size >= maxSlotsPerElement || name in Object.prototype) return null;
      slot = new AttrSlot(name);
      this.slots.set(name, slot);
    }
    return slot;
  }
}

/**
 * Whether the bytes at u[p] are those of pattern. Byte loads from a typed array compile to plain loads,
 * where startsWith on strings goes through a generic builtin that costs several times more on the short
 * names compared at every attribute.
 */
function bytesAt(u: Buffer, p: number, pattern: Buffer): boolean {
  const n = pattern.length;
  if (p + n > u.length) return false;
  for (let k = 0; k < n; k++) if (u[p + k] !== pattern[k]) return false;
  return true;
}

/**
 * The same text as a flat one-byte string, not a slice that keeps its 64 KiB window alive: what a slot
 * remembers outlives the window it was read from.
 */
function flat(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Depths at which the scanner predicts the element name (HealthData, its children, theirs, ...). */
const guessDepths = 8;
/** Decoded values remembered per attribute slot. */
const memoEntries = 4;

/** Bounds on the scanner's per-name state, whatever names a file uses. */
const maxElementInfos = 64;
const maxSlotsPerElement = 64;

/**
 * Index after the '>' that ends a DOCTYPE starting before `from`, or -1 if the text ends first. Skips
 * quoted strings and comments in the internal subset; an internal subset that declares entities leaves
 * the fast path (their replacement text would change attribute values).
 */
function doctypeEnd(s: string, from: number): number {
  const len = s.length;
  let i = from;
  let inSubset = false;
  while (i < len) {
    const c = s.charCodeAt(i);
    if (inSubset && c === 60 && s.startsWith('<!--', i)) {
      const e = s.indexOf('-->', i + 4);
      if (e === -1) return -1;
      i = e + 3;
    } else if (c === 34 || c === 39) {
      const e = s.indexOf(c === 34 ? '"' : "'", i + 1);
      if (e === -1) return -1;
      i = e + 1;
    } else if (inSubset && c === 60 && s.startsWith('<!ENTITY', i)) {
      leave('the DTD declares entities');
    } else if (inSubset && c === 60 && s.startsWith('<?', i)) {
      const e = s.indexOf('?>', i + 2);
      if (e === -1) return -1;
      i = e + 2;
    } else if (c === 91 && !inSubset) {
      inSubset = true;
      i++;
    } else if (c === 93 && inSubset) {
      inSubset = false;
      i++;
    } else if (c === 62 && !inSubset) {
      return i + 1;
    } else if (inSubset && c === 37) {
      leave('parameter entity reference in the DTD');
    } else i++;
  }
  return -1;
}

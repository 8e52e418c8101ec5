/**
 * The fast path's scanner: finds tags and attribute values in latin1 windows of validated UTF-8 bytes and
 * hands elements to the builder. Its parts: the UTF-8 window (utf8-window.ts), value decoding
 * (value-decoding.ts), name interning and per-name state (names.ts), the named character codes
 * (xml-chars.ts) and the exit to the conforming parser (leave-fast-path.ts).
 */
import { ClarityError } from '../../errors.ts';
import type { AttrMap, ElementBuilder } from './elements.ts';
import { LeaveFastPath, leave } from './leave-fast-path.ts';
import { ElementInfo, bytesAt, knownName, maxElementInfos, type AttrSlot } from './names.ts';
import { decodeValue, needsDecoding } from './value-decoding.ts';
import {
  APOS,
  BANG,
  GT,
  HYPHEN,
  LBRACKET,
  LT,
  PERCENT,
  QUESTION,
  QUOTE,
  RBRACKET,
  SLASH,
  SPACE,
  isWs,
} from './xml-chars.ts';

export { LeaveFastPath } from './leave-fast-path.ts';
export { Utf8Window, latin1ToUtf8 } from './utf8-window.ts';

const noBytes = Buffer.alloc(0);
/** Bytes of new input per scanned window (see FastScanner.feed). */
const windowBytes = 64 * 1024;
/** Fewest new bytes worth rescanning an unfinished element for. */
const minScanBytes = 4096;

/** Largest top-level element (or prolog) held while waiting for its end: a Workout with an inline route. */
const maxPendingChars = 64 * 1024 * 1024;

const nameRe = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Depths at which the scanner predicts the element name (HealthData, its children, theirs, ...). */
const guessDepths = 8;

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
      if (c === SLASH) {
        const top = b.topName() ?? '';
        const gtAt = lt + 2 + top.length;
        if (top.length > 0 && gtAt < len && s.charCodeAt(gtAt) === GT && s.startsWith(top, lt + 2)) {
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
      } else if (c === BANG) {
        if (lt + 9 > len) break;
        if (s.startsWith('<!--', lt)) {
          const e = s.indexOf('-->', lt + 4);
          if (e === -1) break;
          if (s.slice(lt + 4, e).includes('--') || s.charCodeAt(e - 1) === HYPHEN)
            leave('"--" inside a comment');
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
      } else if (c === QUESTION) {
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
      if (ch === GT) {
        b.open(name, attrs);
        return p + 1;
      }
      if (ch === SLASH) {
        if (p + 1 >= len) return -1;
        if (s.charCodeAt(p + 1) !== GT) leave('"/" not followed by ">"');
        b.open(name, attrs);
        b.close(name);
        return p + 2;
      }
      if (!isWs(ch)) leave('attributes not separated by whitespace');
      do {
        if (++p >= len) return -1;
        ch = s.charCodeAt(p);
      } while (isWs(ch));
      if (ch === GT || ch === SLASH) continue;
      // The attribute that followed the previous one last time, written as Apple writes it: name="...
      let slot: AttrSlot | null = el === null ? null : prev === null ? el.first : prev.next;
      let q: number;
      let quote = QUOTE;
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
        ve = s.indexOf(quote === QUOTE ? '"' : "'", q);
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
  private quote = QUOTE;

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
        if ((ch <= SPACE || ch === SLASH || ch === GT) && bytesAt(u, lt + 1, guess.bytes)) {
          this.cursor = e;
          return guess.name;
        }
      }
    }
    const len = s.length;
    let p = lt + 1;
    while (p < len) {
      const ch = s.charCodeAt(p);
      if (ch <= SPACE || ch === SLASH || ch === GT) break;
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
    if (quote !== QUOTE && quote !== APOS) leave('unquoted attribute value');
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
    const ve = s.indexOf(quote === QUOTE ? '"' : "'", q);
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
    if (inSubset && c === LT && s.startsWith('<!--', i)) {
      const e = s.indexOf('-->', i + 4);
      if (e === -1) return -1;
      i = e + 3;
    } else if (c === QUOTE || c === APOS) {
      const e = s.indexOf(c === QUOTE ? '"' : "'", i + 1);
      if (e === -1) return -1;
      i = e + 1;
    } else if (inSubset && c === LT && s.startsWith('<!ENTITY', i)) {
      leave('the DTD declares entities');
    } else if (inSubset && c === LT && s.startsWith('<?', i)) {
      const e = s.indexOf('?>', i + 2);
      if (e === -1) return -1;
      i = e + 2;
    } else if (c === LBRACKET && !inSubset) {
      inSubset = true;
      i++;
    } else if (c === RBRACKET && inSubset) {
      inSubset = false;
      i++;
    } else if (c === GT && !inSubset) {
      return i + 1;
    } else if (inSubset && c === PERCENT) {
      leave('parameter entity reference in the DTD');
    } else i++;
  }
  return -1;
}

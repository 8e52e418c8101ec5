import { SaxesParser } from 'saxes';
import { ClarityError } from '../../errors.ts';
import type { AttrMap, ElementBuilder } from './elements.ts';
import { defaultImportLimits, limitExceeded, type ImportLimits } from '../limits.ts';

/** Internal general entities declared in a DTD (`<!ENTITY name "text">`); saxes reports but does not expand them. */
function dtdEntities(doctype: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:"([^"]*)"|'([^']*)')\s*>/g;
  for (const m of doctype.matchAll(re)) {
    const name = m[1];
    const value = m[2] ?? m[3];
    if (name !== undefined && value !== undefined && !value.includes('&') && !value.includes('<'))
      out[name] = value;
  }
  return out;
}

/**
 * The conforming XML front end: saxes (a well-formedness-checking SAX parser) driving the same
 * ElementBuilder as the fast scanner. Used for the whole file on request, and for the rest of a file after
 * the fast path meets something it does not handle. Any XML error becomes a ClarityError('parse_error').
 */
export class ConformingParser {
  private readonly parser: SaxesParser;
  private skipOpen: number;
  private skipClose: number;

  /**
   * @param mode where the text it is fed starts: at the document start ('whole'), inside the root element
   *   whose start tag the fast path already read ('insideRoot'), or after the root element ('afterRoot').
   *   The latter two get a synthetic root so saxes sees a well-formed context.
   */
  /** Declared entity name -> expanded length (only entities saxes was given to expand). */
  private entities = new Map<string, number>();
  private readonly limits: ImportLimits;
  private fedChars = 0;
  private expandedChars = 0;
  private tail = '';

  constructor(
    builder: ElementBuilder,
    mode: 'whole' | 'insideRoot' | 'afterRoot' = 'whole',
    limits: ImportLimits = defaultImportLimits,
  ) {
    this.limits = limits;
    const parser = new SaxesParser({ position: true });
    this.parser = parser;
    this.skipOpen = mode === 'whole' ? 0 : 1;
    this.skipClose = mode === 'afterRoot' ? 1 : 0;
    parser.on('doctype', (d) => {
      const declared = dtdEntities(d);
      Object.assign(parser.ENTITIES, declared);
      for (const [k, v] of Object.entries(declared)) this.entities.set(k, v.length);
    });
    parser.on('opentag', (tag) => {
      if (this.skipOpen > 0) {
        this.skipOpen--;
        if (mode === 'insideRoot') builder.resumeInsideRoot();
        return;
      }
      builder.open(tag.name, plainAttrs(tag.attributes as Record<string, string>));
    });
    parser.on('closetag', (tag) => {
      if (this.skipClose > 0) {
        this.skipClose--;
        return;
      }
      builder.close(tag.name);
    });
    parser.on('error', (err) => {
      throw err;
    });
    if (mode === 'insideRoot') this.write('<HealthData>');
    else if (mode === 'afterRoot') this.write('<HealthData/>');
  }

  feed(text: string): void {
    if (this.entities.size > 0) this.countExpansion(text);
    this.write(text);
  }

  /**
   * Entity expansion is bounded (issue 15): the characters references to declared entities expand to are
   * counted as the text arrives, against a total (maxEntityExpansionChars) and, after the first MiB, a
   * ratio to the characters read (maxEntityExpansionRatio). Entities that reference entities are not
   * declared to saxes at all (dtdEntities), so nesting fails as an undefined entity.
   */
  private countExpansion(text: string): void {
    const scan = this.tail + text;
    const re = /&([A-Za-z_][\w.-]*);/g;
    for (let m = re.exec(scan); m !== null; m = re.exec(scan)) {
      if (m.index + m[0].length <= this.tail.length) continue; // counted with the previous chunk
      const len = this.entities.get(m[1] as string);
      if (len !== undefined) this.expandedChars += len;
    }
    this.tail = scan.slice(-64);
    this.fedChars += text.length;
    const l = this.limits;
    if (this.expandedChars > l.maxEntityExpansionChars)
      throw limitExceeded(
        'maxEntityExpansionChars',
        l.maxEntityExpansionChars,
        `DTD entities expand to more than ${l.maxEntityExpansionChars} characters`,
      );
    if (this.fedChars > 1 << 20 && this.expandedChars > l.maxEntityExpansionRatio * this.fedChars)
      throw limitExceeded(
        'maxEntityExpansionRatio',
        l.maxEntityExpansionRatio,
        `DTD entities expand the text ${Math.round(this.expandedChars / this.fedChars)}-fold`,
      );
  }

  end(): void {
    try {
      this.parser.close();
    } catch (e) {
      throw asParseError(e);
    }
  }

  private write(text: string): void {
    try {
      this.parser.write(text);
    } catch (e) {
      throw asParseError(e);
    }
  }
}

/** saxes gives null-prototype objects; the builder gets plain ones (without a `__proto__` key), like the fast path. */
function plainAttrs(a: Record<string, string>): AttrMap {
  const o: AttrMap = {};
  for (const k of Object.keys(a)) if (k !== '__proto__') o[k] = a[k] as string;
  return o;
}

function asParseError(e: unknown): unknown {
  if (e instanceof ClarityError) return e;
  // saxes prefixes "line:column: "; positions are relative to the resumed text, so they are dropped.
  const msg = (e as Error).message.replace(/^\d+:\d+:\s*/, '');
  if (/undefined entity/.test(msg))
    return new ClarityError(
      'parse_error',
      'malformed XML: a reference to an entity that is not declared, or declared in terms of other entities (nested entities are refused)',
      { cause: e },
    );
  return new ClarityError('parse_error', `malformed XML: ${msg}`, { cause: e });
}

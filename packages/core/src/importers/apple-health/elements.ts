import { ClarityError } from '../../errors.ts';
import { defaultImportLimits, limitExceeded, type ImportLimits } from '../limits.ts';

/**
 * The elements of an Apple Health `export.xml` that the importer reads, as both XML front ends (the fast
 * scanner and the conforming saxes parser) deliver them. Both drive the same ElementBuilder with
 * open/close events, so the differential tests compare exactly the tokenisation and attribute decoding.
 *
 * Attribute values are the decoded XML strings, untouched: units, numbers and dates are interpreted by
 * mapping.ts, so one place decides what a value means.
 */
export type AttrMap = Record<string, string>;

export interface RecordElement {
  kind: 'Record';
  attrs: AttrMap;
  /** MetadataEntry children as [key, value], in document order (read-only: may be a shared empty array). */
  metadata: readonly [string, string][];
  /** InstantaneousBeatsPerMinute children of HeartRateVariabilityMetadataList (HRV SDNN records; read-only). */
  beats: readonly { bpm: string; time: string }[];
  /** True for a Record nested in a Correlation (Apple also writes those records at top level). */
  inCorrelation: boolean;
}

export interface WorkoutElement {
  kind: 'Workout';
  attrs: AttrMap;
  metadata: [string, string][];
  events: AttrMap[];
  /** WorkoutStatistics children (iOS 16+ exports carry distance and energy here). */
  statistics: AttrMap[];
  /** Number of WorkoutRoute children (routes are not imported). */
  routes: number;
}

export type ExportElement =
  | { kind: 'HealthData'; attrs: AttrMap }
  | { kind: 'ExportDate'; attrs: AttrMap }
  | { kind: 'Me'; attrs: AttrMap }
  | RecordElement
  | WorkoutElement
  | { kind: 'ActivitySummary'; attrs: AttrMap }
  | { kind: 'Correlation'; attrs: AttrMap; metadata: [string, string][]; records: number }
  /** Any other child of HealthData (ClinicalRecord, Audiogram, ...): counted, not imported. */
  | { kind: 'Other'; name: string };

/**
 * The metadata and beat lists of a Record without such children: one shared frozen empty array each, so a
 * record costs two allocations less (most records have neither, and the builder makes millions).
 */
const noEntries: readonly [string, string][] = Object.freeze([]);
const noBeats: readonly { bpm: string; time: string }[] = Object.freeze([]);

type Top =
  | RecordElement
  | WorkoutElement
  | { kind: 'Correlation'; attrs: AttrMap; metadata: [string, string][]; records: number }
  | { kind: 'HealthData' | 'ExportDate' | 'Me' | 'ActivitySummary'; attrs: AttrMap }
  | { kind: 'Other'; name: string };

/**
 * Builds ExportElements from open/close events. Elements are delivered (pushed to `out`) when their
 * top-level element closes; a Record nested in a Correlation is held until the Correlation closes, so a
 * caller can roll back a partly read top-level element (rollback) and feed it again without duplicates.
 */
export class ElementBuilder {
  out: ExportElement[] = [];
  rootOpened = false;
  rootClosed = false;
  /** open + close events so far: the stream checks that bytes keep turning into elements (maxTagBytes). */
  events = 0;
  private children = 0;
  private readonly limits: ImportLimits;
  private readonly types = new Set<string>();
  private readonly metadataKeys = new Set<string>();

  constructor(limits: ImportLimits = defaultImportLimits) {
    this.limits = limits;
  }

  /** Limits every element meets whichever front end read it (issue 15). */
  private check(name: string, attrs: AttrMap, depth: number): void {
    const l = this.limits;
    if (depth > l.maxDepth)
      throw limitExceeded('maxDepth', l.maxDepth, `elements are nested more than ${l.maxDepth} deep`);
    let n = 0;
    for (const k in attrs) {
      n++;
      if ((attrs[k] as string).length > l.maxAttributeChars)
        throw limitExceeded(
          'maxAttributeChars',
          l.maxAttributeChars,
          `attribute ${k.slice(0, 40)} of <${name.slice(0, 40)}> holds ${(attrs[k] as string).length} characters`,
        );
    }
    if (n > l.maxAttributes)
      throw limitExceeded('maxAttributes', l.maxAttributes, `<${name.slice(0, 40)}> has ${n} attributes`);
    if (depth > 2 && ++this.children > l.maxChildren)
      throw limitExceeded(
        'maxChildren',
        l.maxChildren,
        `one record has more than ${l.maxChildren} child elements`,
      );
  }

  /** Type names and metadata keys become document keys: their number and length are bounded. */
  private name(set: Set<string>, value: string, limit: 'maxDistinctTypes' | 'maxDistinctMetadataKeys'): void {
    if (set.has(value)) return;
    const l = this.limits;
    if (value.length > l.maxNameChars)
      throw limitExceeded(
        'maxNameChars',
        l.maxNameChars,
        `a ${limit === 'maxDistinctTypes' ? 'record type' : 'metadata key'} name is ${value.length} characters long`,
      );
    if (set.size >= l[limit])
      throw limitExceeded(
        limit,
        l[limit],
        `the file names more than ${l[limit]} distinct ${limit === 'maxDistinctTypes' ? 'record types' : 'metadata keys'}`,
      );
    set.add(value);
  }
  private readonly stack: string[] = [];
  private top: Top | null = null;
  private record: RecordElement | null = null;
  private nested: ExportElement[] = [];

  get depth(): number {
    return this.stack.length;
  }

  topName(): string | undefined {
    return this.stack[this.stack.length - 1];
  }

  open(name: string, attrs: AttrMap): void {
    const d = this.stack.length;
    this.events++;
    this.check(name, attrs, d + 1);
    this.stack.push(name);
    if (d === 0) {
      if (name !== 'HealthData') {
        throw new ClarityError(
          'invalid_input',
          `not an Apple Health export: the root element is <${name.slice(0, 40)}>, expected <HealthData>`,
        );
      }
      this.rootOpened = true;
      this.out.push({ kind: 'HealthData', attrs });
      return;
    }
    if (d === 1) {
      this.children = 0;
      switch (name) {
        case 'Record':
          this.name(this.types, attrs.type ?? '', 'maxDistinctTypes');
          this.record = { kind: 'Record', attrs, metadata: noEntries, beats: noBeats, inCorrelation: false };
          this.top = this.record;
          return;
        case 'Workout':
          this.top = { kind: 'Workout', attrs, metadata: [], events: [], statistics: [], routes: 0 };
          return;
        case 'Correlation':
          this.top = { kind: 'Correlation', attrs, metadata: [], records: 0 };
          return;
        case 'ExportDate':
        case 'Me':
        case 'ActivitySummary':
          this.top = { kind: name, attrs };
          return;
        default:
          this.top = { kind: 'Other', name };
          return;
      }
    }
    const parent = this.stack[d - 1];
    const top = this.top;
    if (top === null) return;
    if (name === 'MetadataEntry') {
      const entry: [string, string] = [attrs.key ?? '', attrs.value ?? ''];
      this.name(this.metadataKeys, entry[0], 'maxDistinctMetadataKeys');
      if (parent === 'Record' && this.record) {
        const r = this.record;
        if (r.metadata === noEntries) r.metadata = [entry];
        else (r.metadata as [string, string][]).push(entry);
      } else if (d === 2 && (top.kind === 'Workout' || top.kind === 'Correlation')) top.metadata.push(entry);
    } else if (name === 'InstantaneousBeatsPerMinute') {
      if (parent === 'HeartRateVariabilityMetadataList' && this.record && this.stack[d - 2] === 'Record') {
        const r = this.record;
        const beat = { bpm: attrs.bpm ?? '', time: attrs.time ?? '' };
        if (r.beats === noBeats) r.beats = [beat];
        else (r.beats as { bpm: string; time: string }[]).push(beat);
      }
    } else if (d === 2 && top.kind === 'Workout') {
      if (name === 'WorkoutEvent') top.events.push(attrs);
      else if (name === 'WorkoutStatistics') top.statistics.push(attrs);
      else if (name === 'WorkoutRoute') top.routes++;
    } else if (d === 2 && top.kind === 'Correlation' && name === 'Record') {
      this.name(this.types, attrs.type ?? '', 'maxDistinctTypes');
      this.record = { kind: 'Record', attrs, metadata: noEntries, beats: noBeats, inCorrelation: true };
    }
  }

  close(name: string): void {
    this.events++;
    this.stack.pop();
    const d = this.stack.length;
    if (d === 0) {
      this.rootClosed = true;
      return;
    }
    if (d === 1 && this.top) {
      if (this.nested.length > 0) {
        for (const n of this.nested) this.out.push(n);
        this.nested = [];
      }
      this.out.push(this.top);
      this.top = null;
      this.record = null;
    } else if (d === 2 && name === 'Record' && this.top?.kind === 'Correlation' && this.record) {
      this.nested.push(this.record);
      this.top.records++;
      this.record = null;
    }
  }

  /** Forgets a partly read top-level element: back to the state after the last complete one. */
  rollback(): void {
    this.stack.length = this.rootOpened && !this.rootClosed ? 1 : 0;
    this.top = null;
    this.record = null;
    this.nested = [];
  }

  /** For a conforming parser that resumes inside the root: the root is already open. */
  resumeInsideRoot(): void {
    this.stack.length = 0;
    this.stack.push('HealthData');
  }

  take(): ExportElement[] {
    const o = this.out;
    this.out = [];
    return o;
  }
}

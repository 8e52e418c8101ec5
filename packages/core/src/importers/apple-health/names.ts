/**
 * Names on the fast path: the names Apple writes, interned (one constant string per name), and what the
 * scanner remembers per element name and attribute (the attribute order Apple writes, recent decoded
 * values), bounded whatever names a file uses.
 */
import { decodeValue } from './value-decoding.ts';

/** Decoded values remembered per attribute slot. */
const memoEntries = 4;
/** Bounds on the scanner's per-name state, whatever names a file uses. */
export const maxElementInfos = 64;
const maxSlotsPerElement = 64;

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

export function knownName(s: string, a: number, b: number): string | undefined {
  if (b <= a) return undefined;
  const list = knownByKey.get(nameKey(b - a, s.charCodeAt(a) & 0xff, s.charCodeAt(b - 1) & 0xff));
  if (list === undefined) return undefined;
  for (const k of list) if (s.startsWith(k, a)) return k;
  return undefined;
}

/**
 * What the scanner remembers about one attribute of one element name: the attribute that followed it last
 * time (Apple writes attributes in a fixed order, so this predicts the next name), and the last few raw
 * values that needed decoding with their decoded strings, recalled when the same raw text comes again:
 * Apple repeats the source name (often with a curly apostrophe) and the entity-laden device description
 * on every record of a source, and records of two sources (watch and phone) interleave.
 */
export class AttrSlot {
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

export class ElementInfo {
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
export function bytesAt(u: Buffer, p: number, pattern: Buffer): boolean {
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

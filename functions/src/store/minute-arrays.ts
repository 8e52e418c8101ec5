/**
 * The minute view's arrays (3 x 1440 slots a stats day) handed to the Firestore client already encoded.
 * The client validates user input slot by slot before it encodes it: for every slot it builds a FieldPath
 * and a message string, twice (validateUserInput, then the transform scan). That cost about 8 ms and
 * 0.25 MB of garbage per day document, most of the time and memory of an export of many near-empty days
 * (the hostile `type-names` file). These arrays are computed here, numbers and nulls only, so the check
 * has nothing to find: the value below is encoded through the client's own serializer (the same
 * integer/double/null encoding, the same stored shape) without the per-slot walk.
 *
 * It relies on the client's hook for values that encode themselves (`_protoValueType: 'ProtoValue'`,
 * `_toProto(serializer)`, @google-cloud/firestore serializer.ts). Should a client version drop it, set()
 * throws "Couldn't serialize object" on the first day written: the writer tests read the view back.
 */
interface Serializer {
  encodeValue(value: unknown): unknown;
}

/**
 * One encoded null for every empty slot (a near-empty day is ~4 300 of them): the write is held until its
 * commit answers, and 4 300 objects of their own per day outlived the young generation (measured through
 * the trigger on `type-names`). The client only reads it (encoding for the wire copies it).
 */
const nullSlot = Object.freeze({ nullValue: 'NULL_VALUE' });

class EncodedArray {
  readonly _protoValueType = 'ProtoValue';
  private readonly values: readonly unknown[];
  constructor(values: readonly unknown[]) {
    this.values = values;
  }
  _toProto(serializer: Serializer): unknown {
    if (this.values.length === 0) return { arrayValue: {} };
    return {
      arrayValue: { values: this.values.map((v) => (v === null ? nullSlot : serializer.encodeValue(v))) },
    };
  }
}

/** `view` with each of its top-level arrays of numbers and nulls wrapped for the client (see above). */
export function encodedMinuteView<T extends object>(view: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(view))
    out[k] =
      Array.isArray(v) && v.every((x) => x === null || typeof x === 'number') ? new EncodedArray(v) : v;
  return out as T;
}

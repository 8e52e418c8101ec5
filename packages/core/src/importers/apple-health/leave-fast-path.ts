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

/** Leaves the fast path for the conforming parser, saying why. */
export function leave(reason: string): never {
  throw new LeaveFastPath(reason);
}

/**
 * Resource limits of every reader (issue 15: a small crafted file must not cost gigabytes or hours). Each is
 * named, documented, enforced while streaming (never after reading everything), and ends the import with a
 * ClarityError whose message a person understands (`limitExceeded`): the upload is rejected, or partial with
 * what was valid before the limit, and the raw object is kept. Real files sit far below every limit (the
 * figures in brackets); an operator who meets one with genuine data raises it through `ImportLimits`
 * (`clarity import --limit NAME=VALUE`).
 */
import { ClarityError } from '../errors.ts';

export interface ImportLimits {
  // ---- Apple Health XML --------------------------------------------------------------------------------
  /** Bytes of the XML prologue (DOCTYPE with its internal subset). [Apple's DTD: about 9 KB] */
  maxDtdBytes: number;
  /** Element nesting depth. [Apple: 4 (HealthData > Workout > WorkoutRoute > FileReference)] */
  maxDepth: number;
  /** Bytes read without completing an element (one tag, attribute or text run). [< 2 KB] */
  maxTagBytes: number;
  /** Attributes on one element. [<= 12] */
  maxAttributes: number;
  /** Characters of one attribute value. [< 300] */
  maxAttributeChars: number;
  /** Child elements of one top-level element (metadata entries, beats, events). [~ 100] */
  maxChildren: number;
  /**
   * Distinct record type names in one export (they become document keys, and each stored type is its own
   * series documents: the Storage trigger writes one transaction per type and day). [~ 120; HealthKit
   * defines about 200 identifiers]
   */
  maxDistinctTypes: number;
  /** Distinct metadata keys in one export (they become document keys). [~ 200] */
  maxDistinctMetadataKeys: number;
  /** Characters of a type name or a metadata key. [< 80] */
  maxNameChars: number;
  /** Characters all references to DTD entities expand to, in the whole file. [Apple declares none] */
  maxEntityExpansionChars: number;
  /** Expanded entity characters per character read (after the first MiB). [0] */
  maxEntityExpansionRatio: number;
  // ---- zip ---------------------------------------------------------------------------------------------
  /** Entries in the archive (each costs a central-directory record). [a few thousand: routes, ECGs] */
  maxZipEntries: number;
  /** Declared and actual decompressed bytes of export.xml. [a few GB for a decade of data] */
  maxEntryBytes: number;
  /** Decompressed / compressed bytes of export.xml, checked while inflating past the first MiB. [~ 10-30] */
  maxCompressionRatio: number;
  // ---- device files ------------------------------------------------------------------------------------
  /** Epochs in one device file, gaps included. [a 30-day 1-s ActiGraph file: 2.6 M] */
  maxEpochs: number;
  /** Days between the first and the last row of a device file. [weeks] */
  maxSpanDays: number;
  /** Characters of one line of a text device file (AWD, CSV). [< 200] */
  maxLineChars: number;
}

export const defaultImportLimits: Readonly<ImportLimits> = Object.freeze({
  maxDtdBytes: 256 * 1024,
  maxDepth: 32,
  maxTagBytes: 1024 * 1024,
  maxAttributes: 256,
  maxAttributeChars: 64 * 1024,
  maxChildren: 100_000,
  maxDistinctTypes: 500,
  maxDistinctMetadataKeys: 5_000,
  maxNameChars: 200,
  maxEntityExpansionChars: 16 * 1024 * 1024,
  maxEntityExpansionRatio: 4,
  maxZipEntries: 200_000,
  maxEntryBytes: 64 * 1024 ** 3,
  maxCompressionRatio: 200,
  maxEpochs: 10_000_000,
  maxSpanDays: 3 * 366,
  maxLineChars: 64 * 1024,
});

export type LimitName = keyof ImportLimits;

/**
 * The limits the device readers apply (AWD, .agd, ActiLife CSV, Fitbit): each takes them from its options,
 * which `readDeviceUpload` fills for `clarity import --limit` and the Storage trigger's IMPORT_LIMITS.
 */
export type DeviceFileLimits = Pick<ImportLimits, 'maxEpochs' | 'maxSpanDays' | 'maxLineChars'>;

/** The limits with overrides (unknown names and non-positive values are refused). */
export function importLimits(overrides: Partial<Record<string, number>> = {}): ImportLimits {
  const out: ImportLimits = { ...defaultImportLimits };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in defaultImportLimits))
      throw new ClarityError(
        'invalid_argument',
        `unknown import limit ${k}; known: ${Object.keys(defaultImportLimits).join(', ')}`,
      );
    if (typeof v !== 'number' || !(v > 0))
      throw new ClarityError('invalid_argument', `import limit ${k} must be a positive number`);
    out[k as LimitName] = v;
  }
  return out;
}

/** Parses "name=value,name=value" (the CLI's --limit). */
export function parseLimitOverrides(text: string | undefined): Partial<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const part of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new ClarityError('invalid_argument', `import limit "${part}" is not NAME=NUMBER`);
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/** The error that ends an import at a limit: details name the limit, the message is for a person. */
export function limitExceeded(name: LimitName, limit: number, what: string): ClarityError {
  return new ClarityError(
    'invalid_input',
    `${what} (limit ${name} = ${limit}); the file was refused before it could cost more`,
    { details: [{ path: ['limits', name], message: `exceeds ${limit}` }] },
  );
}

/** True for the error limitExceeded makes. */
export function isLimitError(e: unknown): e is ClarityError {
  return e instanceof ClarityError && e.details?.[0]?.path[0] === 'limits';
}

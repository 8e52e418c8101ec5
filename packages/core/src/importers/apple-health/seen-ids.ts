/**
 * The set of sample ids seen in one file, for duplicate detection at a bounded memory cost. A Set of 32-char
 * strings costs about 80 bytes per entry (300 MB for a 1 GB export); this keeps the first 64 bits of each
 * (hex, uniformly distributed: they are SHA-256 output) in an open-addressing table of Uint32 pairs, 16 bytes
 * per entry at the maximum load of 1/2. Two different samples share 64 bits with probability about
 * n^2 / 2^65 (3e-7 for 3.5 million samples); such a sample would be counted as a duplicate, and a re-upload
 * is checked against the full id in the store anyway.
 */
export class SeenIds {
  private table = new Uint32Array(2 * 1024);
  private mask = 1023;
  size = 0;
  /** Ids that arrived after the set was full: not remembered, so later repeats of them are not caught here. */
  overflow = 0;
  private readonly capacity: number;

  /**
   * @param capacity most ids remembered (default 4 194 304: a 64 MiB table), so memory stays bounded
   *   whatever the export's size; later ids still count as new, and the store's create-if-absent on the
   *   same ids catches repeats among them.
   */
  constructor(capacity = 4 * 1024 * 1024) {
    this.capacity = capacity;
  }

  /** Adds a hex id (at least 16 hex digits); returns false when it was already present. */
  add(hexId: string): boolean {
    let hi = hex32(hexId, 0);
    const lo = hex32(hexId, 8);
    if (hi === 0 && lo === 0) hi = 1; // (0, 0) marks an empty slot
    if (this.size >= this.capacity) {
      if (this.has(hi, lo)) return false;
      this.overflow++;
      return true;
    }
    if (!this.insert(hi, lo)) return false;
    this.size++;
    if (this.size * 2 > this.mask + 1) this.grow();
    return true;
  }

  /** The slot holding (hi, lo), or the empty slot where linear probing would put it. */
  private slot(hi: number, lo: number): number {
    const t = this.table;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = t[2 * i];
      const b = t[2 * i + 1];
      if ((a === 0 && b === 0) || (a === hi && b === lo)) return i;
      i = (i + 1) & this.mask;
    }
  }

  private insert(hi: number, lo: number): boolean {
    const i = this.slot(hi, lo);
    if (this.table[2 * i] !== 0 || this.table[2 * i + 1] !== 0) return false;
    this.table[2 * i] = hi;
    this.table[2 * i + 1] = lo;
    return true;
  }

  private has(hi: number, lo: number): boolean {
    const i = this.slot(hi, lo);
    return this.table[2 * i] !== 0 || this.table[2 * i + 1] !== 0;
  }

  private grow(): void {
    const old = this.table;
    this.mask = this.mask * 2 + 1;
    this.table = new Uint32Array(2 * (this.mask + 1));
    for (let i = 0; i < old.length; i += 2) {
      const hi = old[i] as number;
      const lo = old[i + 1] as number;
      if (hi !== 0 || lo !== 0) this.insert(hi, lo);
    }
  }
}

/** The 8 hex digits at s[from] as an unsigned 32-bit number, as parseInt(s.slice(from, from + 8), 16) >>> 0. */
function hex32(s: string, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const c = s.charCodeAt(i);
    // 0-9, a-f, A-F; sampleId digests are lower-case hex.
    const d = c <= 57 ? c - 48 : (c | 32) - 87;
    v = v * 16 + d;
  }
  return v >>> 0;
}

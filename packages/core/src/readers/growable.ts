/** An append-only Float64Array that doubles its capacity; `toArray()` returns a right-sized copy. */
export class GrowableFloat64 {
  private buf: Float64Array;
  length = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Float64Array(Math.max(16, initialCapacity));
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  toArray(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

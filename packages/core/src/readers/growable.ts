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

  /** Appends `count` copies of `v` with one fill, not `count` pushes. */
  pushRepeated(v: number, count: number): void {
    if (count <= 0) return;
    const need = this.length + count;
    if (need > this.buf.length) {
      let cap = this.buf.length;
      while (cap < need) cap *= 2;
      const next = new Float64Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.fill(v, this.length, need);
    this.length = need;
  }

  toArray(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}

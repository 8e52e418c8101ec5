/** JSON for CLI output: NaN/Infinity become null, typed arrays (epoch-level data) are left out. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      if (ArrayBuffer.isView(v)) return undefined;
      return v;
    },
    2,
  );
}

/** Fixed decimals, or 'n/a' for NaN / null / undefined. */
export function fmt(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

/** A left-aligned key/value block. */
export function keyValues(rows: [string, string][], indent = ''): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** A plain text table; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], numeric: boolean[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return (
    [
      line(header, numeric),
      line(
        widths.map((w) => '-'.repeat(w)),
        numeric,
      ),
      ...cells.map((r) => line(r, numeric)),
    ].join('\n') + '\n'
  );
}

/** `2012-06-28T00:03:00` -> `2012-06-28 00:03`. */
export function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

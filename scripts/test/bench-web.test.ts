import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { initialJsGzipBytes, percentile } from '../bench-web.ts';

describe('bench:web helpers', () => {
  it('counts the entry module and the modulepreloads, not the chunks loaded on demand', () => {
    const dist = mkdtempSync(path.join(tmpdir(), 'bench-web-'));
    mkdirSync(path.join(dist, 'assets'));
    const files = {
      'a.js': 'console.log("entry");'.repeat(50),
      'b.js': 'export const b = 1;',
      'lazy.js': 'x'.repeat(5000),
    };
    for (const [f, c] of Object.entries(files)) writeFileSync(path.join(dist, 'assets', f), c);
    writeFileSync(
      path.join(dist, 'index.html'),
      '<script type="module" crossorigin src="/assets/a.js"></script><link rel="modulepreload" crossorigin href="/assets/b.js">',
    );
    const r = initialJsGzipBytes(dist);
    expect(r.files).toEqual(['/assets/a.js', '/assets/b.js']);
    expect(r.bytes).toBe(
      gzipSync(files['a.js'], { level: 9 }).length + gzipSync(files['b.js'], { level: 9 }).length,
    );
  });

  it('takes nearest-rank percentiles', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 95)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
  });
});

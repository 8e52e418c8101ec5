import { describe, expect, it } from 'vitest';
import { ClarityError, createEpochSeries } from '../src/index.ts';

describe('ClarityError', () => {
  it('maps codes to HTTP statuses and marks transient codes retryable', () => {
    expect(new ClarityError('invalid_input', 'bad').httpStatus).toBe(400);
    expect(new ClarityError('payload_too_large', 'big').httpStatus).toBe(413);
    expect(new ClarityError('unavailable', 'down').retryable).toBe(true);
    expect(new ClarityError('invalid_input', 'bad').retryable).toBe(false);
  });
});

describe('createEpochSeries', () => {
  it('marks NaN values as missing and rejects a mask of the wrong length', () => {
    const s = createEpochSeries({
      start: '2026-01-01T00:00:00',
      epochSeconds: 60,
      values: Float64Array.from([1, Number.NaN, 3]),
      quantity: 'counts',
      source: { format: 'test' },
    });
    expect(Array.from(s.missing)).toEqual([0, 1, 0]);
    expect(() =>
      createEpochSeries({
        start: '2026-01-01T00:00:00',
        epochSeconds: 60,
        values: new Float64Array(2),
        missing: new Uint8Array(3),
        quantity: 'counts',
        source: { format: 'test' },
      }),
    ).toThrow(/missing mask length/);
  });
});

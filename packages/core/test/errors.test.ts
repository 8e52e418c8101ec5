import { describe, expect, it } from 'vitest';
import {
  ClarityError,
  createEpochSeries,
  errorBody,
  fieldIssues,
  structuredLogger,
  type LogEntry,
} from '../src/index.ts';

describe('ClarityError', () => {
  it('maps codes to HTTP statuses and marks transient codes retryable', () => {
    expect(new ClarityError('invalid_input', 'bad').httpStatus).toBe(400);
    expect(new ClarityError('payload_too_large', 'big').httpStatus).toBe(413);
    expect(new ClarityError('unavailable', 'down').retryable).toBe(true);
    expect(new ClarityError('invalid_input', 'bad').retryable).toBe(false);
  });
});

describe('fieldIssues and errorBody', () => {
  it('names each field behind the prefix, symbol keys as text', () => {
    const key = Symbol('k');
    expect(
      fieldIssues(
        [
          { path: ['a', 0], message: 'bad' },
          { path: [key], message: 'odd' },
        ],
        ['body'],
      ),
    ).toEqual([
      { path: ['body', 'a', 0], message: 'bad' },
      { path: ['body', 'Symbol(k)'], message: 'odd' },
    ]);
  });
  it('gives the one error body, and a bare 500 for anything that is not a ClarityError', () => {
    const details = [{ path: ['x'], message: 'bad' }];
    expect(errorBody(new ClarityError('invalid_input', 'no', { details }), 'r1')).toEqual({
      status: 400,
      body: { error: { code: 'invalid_input', message: 'no', details, requestId: 'r1' } },
    });
    expect(errorBody(new ClarityError('not_found', 'gone'), 'r2').body.error).not.toHaveProperty('details');
    expect(errorBody(new Error('secret internals'), 'r3')).toEqual({
      status: 500,
      body: { error: { code: 'internal', message: 'internal error', requestId: 'r3' } },
    });
  });
});

describe('structuredLogger', () => {
  it('writes named events with base and child fields, at or above the minimum severity', () => {
    const entries: LogEntry[] = [];
    const log = structuredLogger((e) => entries.push(e), { service: 's' }, 'INFO');
    log.debug('hidden');
    log.child({ requestId: 'r' }).warn('slow', { ms: 5 });
    log.error('failed');
    expect(entries).toEqual([
      { severity: 'WARNING', message: 'slow', event: 'slow', service: 's', requestId: 'r', ms: 5 },
      { severity: 'ERROR', message: 'failed', event: 'failed', service: 's' },
    ]);
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

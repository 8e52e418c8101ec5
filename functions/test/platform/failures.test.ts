/** The one classification of failures (transient: redeliver; permanent: fail and dead-letter). */
import { describe, expect, it } from 'vitest';
import { ClarityError } from '@clarity/core';
import { failureCause, isTransient } from '../../src/platform/errors.ts';

const grpc = (code: number) => Object.assign(new Error(`grpc ${code}`), { code });

describe('isTransient', () => {
  it('retries Firestore timeouts and unavailability, never a document Firestore refuses', () => {
    for (const c of [1, 2, 4, 8, 10, 13, 14]) expect(isTransient(grpc(c)), String(c)).toBe(true);
    for (const c of [3, 5, 6, 7, 9, 11, 12, 15, 16]) expect(isTransient(grpc(c)), String(c)).toBe(false);
    expect(isTransient(Object.assign(new Error('x'), { code: 'invalid-argument' }))).toBe(false);
    expect(isTransient(Object.assign(new Error('x'), { code: 'deadline-exceeded' }))).toBe(true);
  });

  it('follows ClarityError.retryable, network codes and HTTP statuses', () => {
    expect(isTransient(new ClarityError('unavailable', 'down'))).toBe(true);
    expect(isTransient(new ClarityError('invalid_input', 'bad'))).toBe(false);
    expect(isTransient(new ClarityError('internal', 'x', { retryable: true }))).toBe(true);
    expect(isTransient(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('http'), { status: 503 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('http'), { status: 400 }))).toBe(false);
  });

  it('treats bad data meeting code as permanent (an unknown time zone fails the same way every time)', () => {
    let thrown: unknown;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: 'Mars/Olympus_Mons' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    expect(isTransient(thrown)).toBe(false);
    expect(failureCause(thrown).code).toBe('invalid_input');
    expect(isTransient(new TypeError('x'))).toBe(false);
    expect(failureCause(grpc(3))).toEqual({
      code: 'invalid_argument',
      message: 'Firestore refused a document written from this data',
    });
  });
});

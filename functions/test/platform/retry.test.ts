import { describe, expect, it } from 'vitest';
import { ClarityError } from '@clarity/core';
import { backoffDelay, withRetry } from '../../src/platform/retry.ts';

describe('withRetry', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 100, 1_000, () => 0.999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffDelay(3, 100, 1_000, () => 0)).toBe(0);
  });

  it('retries retryable errors only and rethrows the last one', async () => {
    const delays: number[] = [];
    let calls = 0;
    const ok = await withRetry(
      () => (++calls < 3 ? Promise.reject(new ClarityError('unavailable', 'x')) : Promise.resolve('ok')),
      { attempts: 3, baseMs: 10, random: () => 0.5, sleep: (ms) => Promise.resolve(void delays.push(ms)) },
    );
    expect(ok).toBe('ok');
    expect(delays).toEqual([5, 10]);

    let permanent = 0;
    await expect(
      withRetry(
        () => {
          permanent++;
          return Promise.reject(new ClarityError('invalid_input', 'bad'));
        },
        { sleep: () => Promise.resolve() },
      ),
    ).rejects.toThrow('bad');
    expect(permanent).toBe(1);
  });
});

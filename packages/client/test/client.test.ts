import { createHmac, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, newUploadId, queryString, signRequest, withMillis } from '../src/index.ts';

describe('client helpers', () => {
  it('labels files with the content types storage.rules accept', () => {
    expect(contentTypeFor('export.zip')).toBe('application/zip');
    expect(contentTypeFor('export.XML')).toBe('application/xml');
    expect(contentTypeFor('example_01.AWD')).toBe('application/octet-stream');
    expect(contentTypeFor('day.agd')).toBe('application/x-sqlite3');
    expect(contentTypeFor('minuteStepsWide_merged.csv')).toBe('text/csv');
    expect(contentTypeFor('noextension')).toBe('application/octet-stream');
  });

  it('makes upload ids of the shape the backend accepts, each different', () => {
    const ids = new Set(Array.from({ length: 100 }, newUploadId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
  });

  it('signs requests exactly as the backend verifies them (HMAC-SHA256 over the canonical request)', async () => {
    const key = 'a-signing-key';
    const h = await signRequest({ key, method: 'delete', path: '/v1/account', nowMs: 1_700_000_000_000 });
    expect(h['X-Clarity-Timestamp']).toBe('1700000000');
    const canonical = `DELETE\n/v1/account\n1700000000\n${h['X-Clarity-Nonce']}\n${createHash('sha256').update('').digest('hex')}`;
    expect(h['X-Clarity-Signature']).toBe(createHmac('sha256', key).update(canonical).digest('hex'));
  });

  it('turns Timestamps into epoch ms at any depth', () => {
    const ts = (ms: number) => ({ toMillis: () => ms });
    expect(withMillis({ a: ts(5), b: { c: ts(7), d: [ts(9), 'x'] }, e: null, f: 3 })).toEqual({
      a: 5,
      b: { c: 7, d: [9, 'x'] },
      e: null,
      f: 3,
    });
  });

  it('builds query strings from the defined values only (insights, care-team patients)', () => {
    expect(queryString({})).toBe('');
    expect(queryString({ limit: undefined, cursor: undefined })).toBe('');
    expect(queryString({ uid: 'abc_1', limit: 1 })).toBe('?uid=abc_1&limit=1');
    expect(queryString({ cursor: 'a-b_c', limit: 50 })).toBe('?cursor=a-b_c&limit=50');
    expect(queryString({ locale: 'de', uid: 'x y&z' })).toBe('?locale=de&uid=x+y%26z');
  });
});

/**
 * Which document changes become webhook events, and what they carry: ids, counts and error codes only,
 * never rejection texts (which can quote a submitted value). Snapshots here are plain objects with the
 * two members the handlers read (`exists`, `data()`); the emulator tests use real ones.
 */
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { jobFailedEvent, uploadEvent } from '../../src/delivery/events.ts';

const snap = (d: Record<string, unknown> | undefined) =>
  ({ exists: d !== undefined, data: () => d }) as unknown as DocumentSnapshot;

const upload = (status: string, extra: Record<string, unknown> = {}) => ({
  status,
  source: 'healthkit',
  format: 'json',
  byteSize: 10,
  sha256: null,
  sampleCount: 3,
  rawPath: 'raw/u/x/body.json',
  correlationId: 'c1',
  timezone: 'UTC',
  counts: { accepted: 2, duplicate: 0, rejected: 1 },
  byType: null,
  rejections: [{ path: ['samples', 2, 'value'], message: 'heart rate 412 is out of range' }],
  error: null,
  attempts: 1,
  createdAt: null,
  updatedAt: null,
  statusTimes: {},
  ...extra,
});

describe('webhook events from document changes', () => {
  it('upload.ingested once when an upload reaches ingested or partial, with counts only', () => {
    const e = uploadEvent({
      uid: 'u',
      id: 'up1',
      before: snap(upload('parsing')),
      after: snap(upload('partial')),
    });
    expect(e).toEqual({
      type: 'upload.ingested',
      jobId: null,
      data: {
        uploadId: 'up1',
        status: 'partial',
        source: 'healthkit',
        format: 'json',
        counts: { accepted: 2, duplicate: 0, rejected: 1 },
        errorCode: null,
      },
    });
    expect(JSON.stringify(e)).not.toMatch(/412/);
    expect(
      uploadEvent({ uid: 'u', id: 'up1', before: snap(upload('partial')), after: snap(upload('partial')) }),
    ).toBeNull();
    expect(
      uploadEvent({ uid: 'u', id: 'up1', before: snap(upload('received')), after: snap(upload('parsing')) }),
    ).toBeNull();
  });

  it('upload.rejected with the error code, never the rejection text', () => {
    const e = uploadEvent({
      uid: 'u',
      id: 'up2',
      before: snap(upload('parsing')),
      after: snap(
        upload('rejected', {
          counts: { accepted: 0, duplicate: 0, rejected: 3 },
          error: { code: 'invalid_input', message: 'value 412 bad' },
        }),
      ),
    });
    expect(e?.type).toBe('upload.rejected');
    expect(e?.data).toMatchObject({ uploadId: 'up2', errorCode: 'invalid_input', counts: { rejected: 3 } });
    expect(JSON.stringify(e)).not.toMatch(/412/);
  });

  it('job.failed once, with the stage and the error code', () => {
    const before = { status: 'running', uploadId: 'up1', window: null, error: null };
    const after = {
      ...before,
      status: 'failed',
      error: { stage: 'analyze', code: 'internal', message: 'x' },
    };
    expect(jobFailedEvent({ uid: 'u', id: 'j1', before: snap(before), after: snap(after) })).toEqual({
      type: 'job.failed',
      jobId: 'j1',
      data: { jobId: 'j1', uploadId: 'up1', window: null, stage: 'analyze', errorCode: 'internal' },
    });
    expect(jobFailedEvent({ uid: 'u', id: 'j1', before: snap(after), after: snap(after) })).toBeNull();
    expect(
      jobFailedEvent({
        uid: 'u',
        id: 'j1',
        before: snap(before),
        after: snap({ ...before, status: 'complete' }),
      }),
    ).toBeNull();
  });
});

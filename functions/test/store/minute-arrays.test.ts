import { FieldValue, Firestore, type WriteBatch } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { encodedMinuteView } from '../../src/store/minute-arrays.ts';

// No request is sent: the writes are only built, as a commit would send them (the batch's own encoding).
const db = new Firestore({ projectId: 'demo-minute-arrays' });

/** The write protos a batch would commit (WriteBatch keeps them as `_ops`, each built on demand). */
function writesOf(fill: (batch: WriteBatch) => void): unknown[] {
  const batch = db.batch();
  fill(batch);
  return (batch as unknown as { _ops: { op: () => unknown }[] })._ops.map((o) => o.op());
}

function slots(marks: Record<number, number>): (number | null)[] {
  const a: (number | null)[] = Array.from({ length: 1440 }, () => null);
  for (const [i, v] of Object.entries(marks)) a[Number(i)] = v;
  return a;
}

const views = {
  stats: {
    kind: 'stats',
    unit: 'count/min',
    minutes: 1440,
    coverage: 3,
    mean: slots({ 0: 72, 1: 72.5, 2: -0, 1439: Number.MAX_SAFE_INTEGER + 2 }),
    min: slots({ 0: 70, 1: 1e-9 }),
    max: slots({ 0: 75, 1: -3 }),
  },
  sum: { kind: 'sum', unit: 'count', minutes: 1380, coverage: 1, values: slots({ 5: 12 }).slice(0, 1380) },
  state: {
    kind: 'state',
    unit: null,
    minutes: 1440,
    coverage: 2,
    states: slots({ 10: 2, 11: 3 }),
    stateLabels: ['awake', 'core', 'deep'],
  },
  empty: { kind: 'sum', unit: 'count', minutes: 0, coverage: 0, values: [] },
};

describe('encodedMinuteView', () => {
  for (const [name, view] of Object.entries(views)) {
    it(`${name}: set (merge), update and create send the same writes as the plain view`, () => {
      const ref = db.doc('users/u1/series/heartRate_2026-01-01');
      const build = (v: object) =>
        writesOf((b) => {
          b.set(
            ref,
            { metric: 'heartRate', minuteSeries: v, updatedAt: FieldValue.serverTimestamp() },
            { merge: true },
          );
          b.update(ref, { minuteSeries: v });
          b.create(ref, { sampleCount: 0, minuteSeries: v });
        });
      const plain = build(view);
      const encoded = build(encodedMinuteView(view));
      expect(encoded).toEqual(plain);
      // -0 and integers beyond 2^53 stay doubles, as the client encodes them.
      if (name === 'stats') expect(JSON.stringify(plain)).toContain('"doubleValue":9007199254740992');
    });
  }

  it('wraps only arrays of numbers and nulls; other fields are passed as they are', () => {
    const out = encodedMinuteView(views.state) as Record<string, unknown>;
    expect(Array.isArray(out.states)).toBe(false);
    expect(out.stateLabels).toBe(views.state.stateLabels);
    expect(out.kind).toBe('state');
    expect(out.coverage).toBe(2);
  });
});

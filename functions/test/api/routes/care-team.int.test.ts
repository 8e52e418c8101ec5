/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- response bodies are JSON; their shapes are what the assertions check */
/**
 * GET /v1/care-team/patients on the Auth and Firestore emulators: a clinician lists exactly the people who
 * put them in their care team (through the signed PUT /v1/account/care-team), with the display name, the
 * Auth email and the newest upload and insight times; paging; removal; 403 for a plain user; one audit
 * entry per person listed; the second-factor rule of privileged reads.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSecurity } from '../../../src/api/security.ts';
import { adminDb } from '../../support/emulators.ts';
import {
  call,
  signedCall,
  signingSecret,
  startGateway,
  userWithRoles,
  type Gateway,
} from '../../support/gateway.ts';

const project = 'demo-clarity-care-team';
const db = () => adminDb(project);
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway(project);
});
afterAll(async () => gw.close());

const list = (token: string, query = '') => call(gw.base, 'GET', `/v1/care-team/patients${query}`, { token });

async function setCareTeam(token: string, clinicians: string[]): Promise<void> {
  const res = await signedCall(gw.base, 'PUT', '/v1/account/care-team', { token, body: { clinicians } });
  expect(res.status).toBe(200);
}

describe('GET /v1/care-team/patients', () => {
  it('lists exactly the people who added the clinician, with who they are and how recent their data is', async () => {
    const dr = await userWithRoles('dr-list', ['clinician']);
    const otherDr = await userWithRoles('dr-other', ['clinician']);
    const [a, b, c, d] = await Promise.all(['pa', 'pb', 'pc', 'pd'].map((l) => userWithRoles(l)));
    const [pa, pb, pc, pd] = [a!, b!, c!, d!];
    // The profile exists from the first sign-in (POST /v1/auth/login); A sets a display name in the app.
    for (const p of [pa, pb, pc, pd]) {
      expect((await call(gw.base, 'POST', '/v1/auth/login', { token: p.token, body: {} })).status).toBe(200);
    }
    await db().doc(`users/${pa.uid}`).update({ displayName: 'Ana Patient' });
    const uploadAt = Date.UTC(2026, 10, 20, 8, 0, 0);
    const insightAt = Date.UTC(2026, 10, 21, 9, 30, 0);
    await db()
      .doc(`users/${pa.uid}/uploads/u1`)
      .set({ status: 'ingested', createdAt: Timestamp.fromMillis(uploadAt - 86_400_000) });
    await db()
      .doc(`users/${pa.uid}/uploads/u2`)
      .set({ status: 'ingested', createdAt: Timestamp.fromMillis(uploadAt) });
    await db()
      .doc(`users/${pa.uid}/insights/i1`)
      .set({ narrative: 'x', createdAt: Timestamp.fromMillis(insightAt) });

    await setCareTeam(pa.token, [dr.uid]);
    await setCareTeam(pb.token, [otherDr.uid, dr.uid]);
    await setCareTeam(pc.token, [otherDr.uid]);

    const res = await list(dr.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const expected = [
      {
        uid: pa.uid,
        displayName: 'Ana Patient',
        email: pa.email.toLowerCase(),
        lastUploadAt: new Date(uploadAt).toISOString(),
        lastInsightAt: new Date(insightAt).toISOString(),
      },
      {
        uid: pb.uid,
        displayName: null,
        email: pb.email.toLowerCase(),
        lastUploadAt: null,
        lastInsightAt: null,
      },
    ].sort((x, y) => (x.uid < y.uid ? -1 : 1));
    expect(res.body.data).toEqual({ items: expected, nextCursor: null });
    expect(res.body.meta.requestId).toMatch(/[\w-]{8,}/);
    // The other clinician sees their own two, not the first clinician's only patient; D added nobody.
    const other = await list(otherDr.token);
    expect(other.body.data.items.map((i: { uid: string }) => i.uid).sort()).toEqual([pb.uid, pc.uid].sort());
    expect(JSON.stringify([res.body, other.body])).not.toContain(pd.uid);

    // Pages of one, by uid.
    const first = await list(dr.token, '?limit=1');
    expect(first.body.data.items).toEqual([expected[0]]);
    expect(first.body.data.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await list(dr.token, `?limit=1&cursor=${first.body.data.nextCursor}`);
    expect(second.body.data).toEqual({ items: [expected[1]], nextCursor: null });
    const badCursor = await list(dr.token, '?cursor=bm90LWEtY3Vyc29yIQ');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details[0].path).toEqual(['query', 'cursor']);
    const badLimit = await list(dr.token, '?limit=51');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.details[0].path).toEqual(['query', 'limit']);

    // Each person listed is one audit entry: who listed them, on what basis, in which request.
    const audit = await db()
      .collection('audit')
      .where('actorUid', '==', dr.uid)
      .where('action', '==', 'care_team.patients.list')
      .get();
    const entries = audit.docs.map((x) => x.data());
    // The full listing (2), page one (1), page two (1): A twice, B twice.
    expect(entries.map((e) => e.targetUid).sort()).toEqual([pa.uid, pa.uid, pb.uid, pb.uid].sort());
    for (const e of entries) {
      expect(e).toMatchObject({
        actorRoles: ['clinician'],
        resource: `users/${e.targetUid}`,
        details: { basis: 'care_team' },
      });
      expect(e.requestId).toMatch(/[\w-]{8,}/);
    }

    // A takes the clinician off their team: A disappears from the list at once.
    await setCareTeam(pa.token, []);
    const after = await list(dr.token);
    expect(after.body.data.items.map((i: { uid: string }) => i.uid)).toEqual([pb.uid]);
  });

  it('is for clinicians and admins only: a plain user (even one named in a care team) gets 403', async () => {
    const plain = await userWithRoles('plain');
    const patient = await userWithRoles('patient-of-plain');
    await setCareTeam(patient.token, [plain.uid]);
    const denied = await list(plain.token);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('permission_denied');
    // Refused before the query is read: an invalid query is still a 403, not a 400 that tells what is wrong.
    expect((await list(plain.token, '?limit=abc')).status).toBe(403);
    expect((await call(gw.base, 'GET', '/v1/care-team/patients')).status).toBe(401);
    const none = await db().collection('audit').where('actorUid', '==', plain.uid).get();
    expect(none.docs.filter((x) => x.get('action') === 'care_team.patients.list')).toHaveLength(0);

    const admin = await userWithRoles('admin-list', ['admin']);
    await setCareTeam(patient.token, [admin.uid]);
    const ok = await list(admin.token);
    expect(ok.status).toBe(200);
    expect(ok.body.data.items.map((i: { uid: string }) => i.uid)).toEqual([patient.uid]);
  });

  it('needs a second-factor sign-in where privileged reads do (REQUIRE_SECOND_FACTOR)', async () => {
    const strict = await startGateway(project, {
      security: { ...defaultSecurity, signingSecret, requireSecondFactor: true },
    });
    try {
      const dr = await userWithRoles('dr-mfa', ['clinician']);
      const res = await call(strict.base, 'GET', '/v1/care-team/patients', { token: dr.token });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/second factor/);
    } finally {
      await strict.close();
    }
  });
});

/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- JSON bodies are read as `Body` (any) by design: tests assert their shape */
/**
 * Insight feedback and opens, and the experiments report, on the Auth and Firestore emulators (the real
 * app, each part its own Firestore project so counters start at zero):
 *  - POST /v1/health/insights/{id}/opened and /feedback: owner only, idempotent per user and insight,
 *    validated (400 naming the field), audited, counted on the insight's experiment arm;
 *  - a seeded scenario of 120 users in the prompt-template experiment: GET /v1/system/experiments reports
 *    the exposures, opens, helpful counts and p-values that SciPy computes independently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { assignVariant, insightTemplateExperiment } from '../../src/llm/experiments.ts';
import {
  addExposure,
  recordFeedback,
  recordOpened,
  type ExperimentReport,
} from '../../src/store/engagement.ts';
import { adminDb } from '../support/emulators.ts';
import { call, startGateway, userWithRoles, type Gateway } from '../support/gateway.ts';

const run = Date.now().toString(36);
const exp = insightTemplateExperiment;
let routes: Gateway;
let scenario: Gateway;
let user: { uid: string; token: string };
let other: { uid: string; token: string };
let admin: { uid: string; token: string };

/** An insight as the insight stage writes it, for what these routes read: its experiment arm. */
async function seedInsight(db: Firestore, uid: string, id: string): Promise<string> {
  const variant = assignVariant(uid, exp).name;
  const arm = { name: exp.name, variant };
  const batch = db.batch().create(db.doc(`users/${uid}/insights/${id}`), {
    uid,
    jobId: id,
    generator: 'rules',
    experiment: arm,
    createdAt: FieldValue.serverTimestamp(),
  });
  addExposure(db, batch, arm, uid);
  await batch.commit();
  return variant;
}

async function counters(db: Firestore, variant: string) {
  const snap = await db.collection(`experiments/${exp.name}/counters`).where('variant', '==', variant).get();
  const sum = { exposures: 0, opens: 0, feedback: 0, helpful: 0 };
  for (const d of snap.docs)
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += (d.get(k) as number | undefined) ?? 0;
  return sum;
}

beforeAll(async () => {
  routes = await startGateway(`demo-clarity-engagement-${run}`);
  scenario = await startGateway(`demo-clarity-experiments-${run}`);
  [user, other, admin] = await Promise.all([
    userWithRoles('engaged'),
    userWithRoles('other'),
    userWithRoles('exp-admin', ['admin']),
  ]);
});
afterAll(async () => {
  await routes?.close();
  await scenario?.close();
});

describe('insight feedback and opens', () => {
  it('records the first open once, answers, changes an answer, and counts each on the arm', async () => {
    const db = adminDb(routes.project);
    const variant = await seedInsight(db, user.uid, 'job-1');
    const url = '/v1/health/insights/job-1';

    const opened = await call(routes.base, 'POST', `${url}/opened`, { token: user.token });
    expect(opened.status).toBe(200);
    expect(opened.body.data).toMatchObject({ insightId: 'job-1', helpful: null, changed: true });
    const again = await call(routes.base, 'POST', `${url}/opened`, { token: user.token });
    expect(again.body.data).toMatchObject({ openedAt: opened.body.data.openedAt, changed: false });

    const yes = { helpful: true, reason: 'actionable' };
    const fb = await call(routes.base, 'POST', `${url}/feedback`, { token: user.token, body: yes });
    expect(fb.status).toBe(200);
    expect(fb.body.data).toMatchObject({ ...yes, openedAt: opened.body.data.openedAt, changed: true });
    const same = await call(routes.base, 'POST', `${url}/feedback`, { token: user.token, body: yes });
    expect(same.body.data.changed).toBe(false);
    expect(await counters(db, variant)).toEqual({ exposures: 1, opens: 1, feedback: 1, helpful: 1 });

    const no = { helpful: false };
    const changed = await call(routes.base, 'POST', `${url}/feedback`, { token: user.token, body: no });
    expect(changed.body.data).toMatchObject({ helpful: false, reason: null, changed: true });
    expect(await counters(db, variant)).toEqual({ exposures: 1, opens: 1, feedback: 1, helpful: 0 });

    const stored = (await db.doc(`users/${user.uid}/feedback/job-1`).get()).data();
    expect(stored).toMatchObject({ insightId: 'job-1', helpful: false, reason: null });
    expect(stored?.experiment).toEqual({ name: exp.name, variant });
    const audit = await db.collection('audit').where('targetUid', '==', user.uid).get();
    expect(audit.docs.map((d) => d.get('action') as string).sort()).toEqual([
      'insight.feedback',
      'insight.feedback',
      'insight.feedback',
      'insight.opened',
      'insight.opened',
    ]);
  });

  it('answers only for the caller’s own insights, and refuses bad input with the field named', async () => {
    const db = adminDb(routes.project);
    await seedInsight(db, user.uid, 'job-2');
    const url = '/v1/health/insights/job-2';
    // Another user has no insight with this id: 404, and nothing is written for either user.
    const foreign = await call(routes.base, 'POST', `${url}/opened`, { token: other.token });
    expect(foreign.status).toBe(404);
    expect((await db.doc(`users/${other.uid}/feedback/job-2`).get()).exists).toBe(false);
    expect((await db.doc(`users/${user.uid}/feedback/job-2`).get()).exists).toBe(false);

    expect((await call(routes.base, 'POST', `${url}/opened`)).status).toBe(401);
    const missing = await call(routes.base, 'POST', `${url}/feedback`, { token: user.token, body: {} });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.error.details)).toContain('helpful');
    const reason = await call(routes.base, 'POST', `${url}/feedback`, {
      token: user.token,
      body: { helpful: true, reason: 'I love it' },
    });
    expect(reason.status).toBe(400);
    expect(JSON.stringify(reason.body.error.details)).toContain('reason');
    const badId = await call(routes.base, 'POST', '/v1/health/insights/a.b/opened', { token: user.token });
    expect(badId.status).toBe(400);
  });
});

describe('experiments report (GET /v1/system/experiments)', () => {
  it('reports the counts and p-values of a seeded scenario as SciPy computes them', async () => {
    const db = adminDb(scenario.project);
    // 40 users per arm (picked by the real assignment), then opens and answers per arm:
    //   arm            exposures opened answered helpful
    //   llm-v1 (ctl)       40      30      30      12
    //   llm-v2-action      40      34      30      22   (4 only opened)
    //   rules              40      24      24       9
    const plan: Record<string, { opened: number; answered: number; helpful: number }> = {
      'llm-v1': { opened: 30, answered: 30, helpful: 12 },
      'llm-v2-action': { opened: 34, answered: 30, helpful: 22 },
      rules: { opened: 24, answered: 24, helpful: 9 },
    };
    const arms = new Map<string, string[]>(exp.variants.map((v) => [v.name, []]));
    for (let i = 0; [...arms.values()].some((a) => a.length < 40); i++) {
      const uid = `seed-${run}-${i}`;
      const a = arms.get(assignVariant(uid, exp).name)!;
      if (a.length < 40) a.push(uid);
    }
    const work: (() => Promise<unknown>)[] = [];
    for (const [variant, uids] of arms) {
      const p = plan[variant]!;
      uids.forEach((uid, i) => {
        work.push(async () => {
          await seedInsight(db, uid, 'job-1');
          // Answering marks opened too; the opened-only users open without answering.
          if (i < p.answered) await recordFeedback(db, uid, 'job-1', { helpful: i < p.helpful }, Date.now());
          else if (i < p.opened) await recordOpened(db, uid, 'job-1', Date.now());
        });
      });
    }
    for (let i = 0; i < work.length; i += 12) await Promise.all(work.slice(i, i + 12).map((w) => w()));

    expect((await call(scenario.base, 'GET', '/v1/system/experiments', { token: user.token })).status).toBe(
      403,
    );
    const res = await call(scenario.base, 'GET', '/v1/system/experiments', { token: admin.token });
    expect(res.status).toBe(200);
    const reports = res.body.data.experiments as ExperimentReport[];
    const report = reports.find((e) => e.name === exp.name)!;
    expect(report.control).toBe('llm-v1');
    const byName = Object.fromEntries(report.variants.map((v) => [v.name, v]));
    expect(byName['llm-v1']).toMatchObject({
      exposures: 40,
      opens: 30,
      feedback: 30,
      helpful: 12,
      helpfulRate: 0.4,
      openRate: 0.75,
      vsControl: null,
    });
    expect(byName['llm-v2-action']).toMatchObject({ exposures: 40, opens: 34, feedback: 30, helpful: 22 });
    expect(byName.rules).toMatchObject({
      exposures: 40,
      opens: 24,
      feedback: 24,
      helpful: 9,
      generator: 'rules',
    });
    // Independently computed with SciPy 1.17.1 (Pearson chi-square of the 2×2 table, no continuity
    // correction, which equals the two-sided pooled two-proportion z-test):
    //   scipy.stats.chi2_contingency([[x1, n1-x1], [x2, n2-x2]], correction=False).pvalue
    const v2 = byName['llm-v2-action']?.vsControl;
    const rules = byName.rules?.vsControl;
    expect(v2?.helpfulRatePValue).toBeCloseTo(0.009180710329776815, 9);
    expect(v2?.openRatePValue).toBeCloseTo(0.26355247728296954, 9);
    expect(rules?.helpfulRatePValue).toBeCloseTo(0.85145965683372, 9);
    expect(rules?.openRatePValue).toBeCloseTo(0.1520780807929711, 9);
  });
});

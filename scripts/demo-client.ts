/**
 * The demo's client side, run inside `firebase emulators:exec` by scripts/demo.ts. It behaves as an app:
 * Firebase client SDK for sign-in and live listeners, the HTTPS API for the upload.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot } from 'firebase/firestore';
import { importAppleHealthFile, type ImportedSample } from '@clarity/core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const projectId = 'demo-clarity';
const api = `http://127.0.0.1:5001/${projectId}/us-central1/api`;
const sharedExport = path.resolve(
  repoRoot,
  '..',
  'shared',
  'data',
  'apple_health',
  'tdda_export6s3sample.xml',
);

function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Canonical samples back to the HealthKit JSON an app would send. */
function toHealthKitJson(s: ImportedSample): Record<string, unknown> {
  return {
    type: s.type,
    value: s.stage ?? s.value,
    ...(s.unit ? { unit: s.unit === 'fraction' ? '%' : s.unit } : {}),
    startDate: isoWithOffset(s.startMs, s.offsetMinutes),
    endDate: isoWithOffset(s.endMs, s.offsetMinutes),
    sourceName: s.source,
    ...(s.device ? { device: s.device } : {}),
  };
}

/** A generated week of watch data, for machines without ../shared/data. */
function generatedSamples(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let d = 0; d < 7; d++) {
    const day = `2026-11-${String(14 + d).padStart(2, '0')}`;
    for (let h = 0; h < 24; h++) {
      const t = `${day}T${String(h).padStart(2, '0')}:00:00-05:00`;
      const awake = h >= 7 && h < 23;
      out.push({
        type: 'HKQuantityTypeIdentifierHeartRate',
        value: awake ? 72 + ((h * 7 + d) % 15) : 55 + ((h + d) % 5),
        unit: 'count/min',
        startDate: t,
        endDate: t,
        sourceName: 'Generated Watch',
      });
      if (awake)
        out.push({
          type: 'HKQuantityTypeIdentifierStepCount',
          value: 200 + ((h * 37 + d * 11) % 600),
          unit: 'count',
          startDate: t,
          endDate: `${day}T${String(h).padStart(2, '0')}:59:00-05:00`,
          sourceName: 'Generated Watch',
        });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const app = initializeApp({ projectId, apiKey: 'demo-key', authDomain: `${projectId}.firebaseapp.com` });
  const auth = getAuth(app);
  connectAuthEmulator(auth, 'http://127.0.0.1:9099', { disableWarnings: true });
  const db = getFirestore(app);
  connectFirestoreEmulator(db, '127.0.0.1', 8080);
  const { user } = await createUserWithEmailAndPassword(
    auth,
    `demo-${Date.now()}@example.com`,
    'demo-password-1',
  );
  console.log(`demo: signed in as ${user.email} (uid ${user.uid})`);

  let samples: Record<string, unknown>[];
  if (existsSync(sharedExport)) {
    const collected: ImportedSample[] = [];
    const summary = await importAppleHealthFile(sharedExport, {
      uid: user.uid,
      onBatch: (b) => void collected.push(...b.samples),
    });
    samples = collected.map(toHealthKitJson);
    console.log(
      `demo: read ${summary.records} records from ${path.relative(repoRoot, sharedExport)} (real Apple Health export); uploading ${samples.length} samples`,
    );
  } else {
    samples = generatedSamples();
    console.log(`demo: ../shared/data not found; uploading a generated week of ${samples.length} samples`);
  }

  const t0 = Date.now();
  const res = await fetch(`${api}/v1/health/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await user.getIdToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ samples }),
  });
  const body = (await res.json()) as { data?: { uploadId: string }; error?: { message: string } };
  if (res.status !== 202 || !body.data)
    throw new Error(`upload refused: ${res.status} ${body.error?.message ?? ''}`);
  const { uploadId } = body.data;
  console.log(
    `demo: POST /v1/health/upload -> ${res.status}, upload ${uploadId}; following users/${user.uid}/uploads/${uploadId}`,
  );

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('upload not finished within 60 s')), 60_000);
    const unsubscribe = onSnapshot(
      doc(db, 'users', user.uid, 'uploads', uploadId),
      (snap) => {
        const d = snap.data() as
          | {
              status: string;
              counts?: Record<string, number> | null;
              byType?: Record<string, Record<string, number>> | null;
            }
          | undefined;
        if (!d) return;
        console.log(
          `  +${String(Date.now() - t0).padStart(5)} ms  ${d.status}${d.counts ? `  ${JSON.stringify(d.counts)}` : ''}`,
        );
        if (['ingested', 'partial', 'rejected'].includes(d.status)) {
          for (const [type, c] of Object.entries(d.byType ?? {}))
            console.log(`           ${type}: ${JSON.stringify(c)}`);
          clearTimeout(timer);
          unsubscribe();
          resolve();
        }
      },
      reject,
    );
  });
  console.log(
    'demo: done. The analysis, inference and insight stages come with the pipeline work; meanwhile',
  );
  console.log(
    '      `npx clarity summary ../shared/data/actigraphy/actiwatch_awd/example_01.AWD` shows the analytics.',
  );
  if (process.argv.includes('--keep')) {
    console.log(`demo: emulators stay up (Ctrl-C to stop). API: ${api}`);
    await new Promise(() => undefined);
  }
  process.exit(0);
}

await main();

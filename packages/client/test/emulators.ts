/** The client's tests on the Emulator Suite: a Firebase app wired to the emulators of firebase.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, type User } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';
import { createClarityClient, type ClarityClient, type UploadPath } from '../src/index.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const projectId = 'demo-clarity';
const emulators = (
  JSON.parse(readFileSync(path.join(repoRoot, 'firebase.json'), 'utf8')) as {
    emulators: Record<string, { host: string; port: number }>;
  }
).emulators;

export function origin(name: string): string {
  const e = emulators[name];
  if (!e) throw new Error(`firebase.json has no ${name} emulator`);
  return `http://${e.host}:${e.port}`;
}

export const apiBaseUrl = `${origin('functions')}/${projectId}/us-central1/api`;

/** Fails loudly (never skips) outside `firebase emulators:exec`. */
export function requireEmulators(): void {
  if (!process.env.FIRESTORE_EMULATOR_HOST || !process.env.FIREBASE_AUTH_EMULATOR_HOST)
    throw new Error('run through npm run test:integration (firebase emulators:exec)');
}

let seq = 0;
export interface SignedIn {
  app: FirebaseApp;
  user: User;
  client: ClarityClient;
  close(): Promise<void>;
}

/** A new user signed in with the real client SDK, and a ClarityClient for them. */
export async function signedInClient(label: string, uploadPath: UploadPath = 'api'): Promise<SignedIn> {
  requireEmulators();
  const app = initializeApp(
    {
      projectId,
      apiKey: 'demo-key',
      authDomain: `${projectId}.firebaseapp.com`,
      storageBucket: `${projectId}.appspot.com`,
    },
    `${label}-${Date.now()}-${seq++}`,
  );
  const auth = getAuth(app);
  connectAuthEmulator(auth, origin('auth'), { disableWarnings: true });
  const db = getFirestore(app);
  const fs = new URL(origin('firestore'));
  connectFirestoreEmulator(db, fs.hostname, Number(fs.port));
  const { user } = await createUserWithEmailAndPassword(
    auth,
    `${label}-${Date.now()}-${seq++}@example.com`,
    'correct-horse-battery',
  );
  const storageHost = process.env.FIREBASE_STORAGE_EMULATOR_HOST;
  const [host, port] = (storageHost ?? '').split(':');
  const client = createClarityClient({
    app,
    auth,
    db,
    apiBaseUrl,
    uploadPath,
    ...(storageHost && host && port ? { storageEmulator: { host, port: Number(port) } } : {}),
  });
  return { app, user, client, close: () => deleteApp(app) };
}

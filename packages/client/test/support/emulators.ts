/**
 * A client on the Emulator Suite of firebase.json: a Firebase app wired to the emulators and a new user
 * signed in with the real client SDK. Used by the client's tests and by the demo (scripts/demo-client.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { createUserWithEmailAndPassword, getAuth, type User } from 'firebase/auth';
import { getFirestore, type Firestore } from 'firebase/firestore';
import {
  connectEmulators,
  createClarityClient,
  emulatorAppOptions,
  type ClarityClient,
  type EmulatorHosts,
  type UploadPath,
} from '../../src/index.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
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

/** Auth and Firestore as firebase.json places them (both on one host). */
export function emulatorHosts(): EmulatorHosts {
  const [auth, firestore] = [emulators.auth, emulators.firestore];
  if (!auth || !firestore) throw new Error('firebase.json lacks the auth or firestore emulator');
  return { host: firestore.host, authPort: auth.port, firestorePort: firestore.port };
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
  db: Firestore;
  user: User;
  /** The new user's password (the demo prints it for the web app's sign-in). */
  password: string;
  client: ClarityClient;
  close(): Promise<void>;
}

/** A new user signed in with the real client SDK, and a ClarityClient for them. */
export async function signedInClient(
  label: string,
  uploadPath: UploadPath = 'api',
  password = 'correct-horse-battery',
): Promise<SignedIn> {
  requireEmulators();
  const app = initializeApp(emulatorAppOptions(projectId), `${label}-${Date.now()}-${seq++}`);
  const auth = getAuth(app);
  const db = getFirestore(app);
  connectEmulators(auth, db, emulatorHosts());
  const { user } = await createUserWithEmailAndPassword(
    auth,
    `${label}-${Date.now()}-${seq++}@example.com`,
    password,
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
  return { app, db, user, password, client, close: () => deleteApp(app) };
}

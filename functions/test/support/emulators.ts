/**
 * Helpers for tests that run inside `firebase emulators:exec` (npm run test:integration). They talk to the
 * real emulators: nothing here is a mock.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initializeApp as initializeClientApp, type FirebaseApp } from 'firebase/app';
import {
  createUserWithEmailAndPassword,
  getAuth as getClientAuth,
  type Auth,
  type User,
} from 'firebase/auth';
import { getFirestore as getClientFirestore, type Firestore as ClientFirestore } from 'firebase/firestore';
import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { connectEmulators, emulatorAppOptions, type EmulatorHosts } from '@clarity/client';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const projectId = 'demo-clarity';

interface EmulatorPorts {
  emulators: Record<string, { host: string; port: number }>;
}
const firebaseJson = JSON.parse(readFileSync(path.join(repoRoot, 'firebase.json'), 'utf8')) as EmulatorPorts;

export function emulatorOrigin(name: 'auth' | 'firestore' | 'functions' | 'tasks' | 'pubsub'): string {
  const e = firebaseJson.emulators[name];
  if (!e) throw new Error(`firebase.json has no ${name} emulator`);
  return `http://${e.host}:${e.port}`;
}

/** Fails loudly (never skips) when run outside the emulators. */
export function requireEmulators(): void {
  const missing = ['FIRESTORE_EMULATOR_HOST', 'FIREBASE_AUTH_EMULATOR_HOST'].filter((v) => !process.env[v]);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set: run integration tests through "npm run test:integration" (firebase emulators:exec)`,
    );
  }
}

/**
 * An Admin SDK app on the emulators. Tests that call stage handlers directly use another project id, so the
 * deployed triggers of `demo-clarity` in the Functions emulator do not also fire on their documents.
 */
export function adminApp(project = projectId): App {
  requireEmulators();
  const name = `test-admin-${project}`;
  return getApps().find((a) => a.name === name) ?? initializeApp({ projectId: project }, name);
}

export function adminDb(project = projectId): Firestore {
  return getFirestore(adminApp(project));
}

export function adminAuth() {
  return getAuth(adminApp());
}

export async function clearFirestore(project = projectId): Promise<void> {
  // 409 while a transaction is still open in the emulator: try again shortly.
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(
      `${emulatorOrigin('firestore')}/emulator/v1/projects/${project}/databases/(default)/documents`,
      { method: 'DELETE' },
    );
    if (res.ok) return;
    if (res.status !== 409 || attempt >= 20) throw new Error(`clearing Firestore failed: ${res.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function clearAuth(): Promise<void> {
  const res = await fetch(`${emulatorOrigin('auth')}/emulator/v1/projects/${projectId}/accounts`, {
    method: 'DELETE',
  });
  if (!res.ok) throw new Error(`clearing Auth failed: ${res.status}`);
}

/** Signs a user up in the Auth emulator through its REST API and returns uid + ID token. */
export async function signUp(
  email: string,
  password = 'correct-horse-battery',
): Promise<{ uid: string; idToken: string }> {
  const res = await fetch(
    `${emulatorOrigin('auth')}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-key`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    },
  );
  const body = (await res.json()) as { localId: string; idToken: string };
  if (!res.ok) throw new Error(`sign-up failed: ${res.status}`);
  return { uid: body.localId, idToken: body.idToken };
}

/** Polls until `check` returns a value (for admin-side reads; client tests use listeners). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Auth and Firestore as firebase.json places them, for @clarity/client's `connectEmulators`. */
export function emulatorHosts(): EmulatorHosts {
  const auth = new URL(emulatorOrigin('auth'));
  const firestore = new URL(emulatorOrigin('firestore'));
  return { host: firestore.hostname, authPort: Number(auth.port), firestorePort: Number(firestore.port) };
}

/** A Firebase client-SDK app, as an app runs one: the user's side of the end-to-end tests. */
export interface ClientApp {
  app: FirebaseApp;
  auth: Auth;
  db: ClientFirestore;
}

/**
 * A client-SDK app on the emulators, wired as the web app and the demo wire theirs (@clarity/client's
 * `emulatorAppOptions` and `connectEmulators`: the one place for those lines). `name`: the app's name.
 */
export function clientApp(name: string, project = projectId): ClientApp {
  const app = initializeClientApp(emulatorAppOptions(project), name);
  const auth = getClientAuth(app);
  const db = getClientFirestore(app);
  connectEmulators(auth, db, emulatorHosts());
  return { app, auth, db };
}

/** `clientApp` with a new user signed up and signed in (the email must be new to the Auth emulator). */
export async function signedUpClient(
  name: string,
  email: string,
  project = projectId,
): Promise<ClientApp & { user: User }> {
  const client = clientApp(name, project);
  const { user } = await createUserWithEmailAndPassword(client.auth, email, 'correct-horse-battery');
  return { ...client, user };
}

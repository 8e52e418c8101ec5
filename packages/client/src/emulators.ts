/**
 * An app on the local Emulator Suite, as Firebase's own quickstarts connect one: the options of a `demo-`
 * project (no real key; such projects never reach Google) and Auth and Firestore pointed at the emulators.
 * The one place for these lines: the web app (web/src/main.ts), the demo client and the client's tests.
 */
import type { FirebaseOptions } from 'firebase/app';
import { connectAuthEmulator, type Auth } from 'firebase/auth';
import { connectFirestoreEmulator, type Firestore } from 'firebase/firestore';

/** Where the emulators listen (firebase.json `emulators`). */
export interface EmulatorHosts {
  host: string;
  authPort: number;
  firestorePort: number;
  /** Only where a Storage emulator runs (uploadPath 'storage'). */
  storagePort?: number;
}

/** Firebase options for a demo project on the emulators. */
export function emulatorAppOptions(projectId: string): FirebaseOptions {
  return {
    projectId,
    apiKey: 'demo-key',
    authDomain: `${projectId}.firebaseapp.com`,
    storageBucket: `${projectId}.appspot.com`,
  };
}

/** Points Auth and Firestore at the emulators (before their first use). */
export function connectEmulators(auth: Auth, db: Firestore, hosts: EmulatorHosts): void {
  connectAuthEmulator(auth, `http://${hosts.host}:${hosts.authPort}`, { disableWarnings: true });
  connectFirestoreEmulator(db, hosts.host, hosts.firestorePort);
}

/**
 * Where the app connects, by configuration (Vite mode), never by guessing:
 *  - `vite build --mode emulators` (web/.env.emulators): the local Emulator Suite (Auth, Firestore), files
 *    through the emulator-only API route, because no Storage emulator runs on every machine;
 *  - `vite build` (web/.env): a real project, its config from the Hosting-provided /__/firebase/init.json,
 *    files through Cloud Storage (uploadBytesResumable).
 * The API is called on the app's own origin (/v1/**): Hosting rewrites it to the `api` function.
 */
import type { FirebaseOptions } from 'firebase/app';
import { emulatorAppOptions, type EmulatorHosts, type UploadPath } from '@clarity/client';

export interface WebConfig {
  firebase: FirebaseOptions;
  emulators: EmulatorHosts | null;
  uploadPath: UploadPath;
  apiBaseUrl: string;
}

export async function loadConfig(): Promise<WebConfig> {
  const env = import.meta.env;
  const uploadPath: UploadPath = env.VITE_UPLOAD_PATH === 'api' ? 'api' : 'storage';
  const apiBaseUrl = (env.VITE_API_BASE_URL as string | undefined) ?? '';
  if (env.VITE_EMULATORS === 'true') {
    const projectId = (env.VITE_PROJECT_ID as string | undefined) ?? 'demo-clarity';
    const storagePort = Number(env.VITE_STORAGE_EMULATOR_PORT ?? 0);
    return {
      firebase: emulatorAppOptions(projectId),
      emulators: {
        host: (env.VITE_EMULATOR_HOST as string | undefined) ?? '127.0.0.1',
        authPort: Number(env.VITE_AUTH_EMULATOR_PORT ?? 9099),
        firestorePort: Number(env.VITE_FIRESTORE_EMULATOR_PORT ?? 8080),
        ...(storagePort > 0 ? { storagePort } : {}),
      },
      uploadPath,
      apiBaseUrl,
    };
  }
  const res = await fetch('/__/firebase/init.json');
  if (!res.ok) throw new Error(`no Firebase config at /__/firebase/init.json (${res.status})`);
  return { firebase: (await res.json()) as FirebaseOptions, emulators: null, uploadPath, apiBaseUrl };
}

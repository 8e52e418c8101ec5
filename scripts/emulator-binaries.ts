/**
 * Finds Java and the Firestore and Pub/Sub emulators for `firebase emulators:*`.
 *
 * firebase-tools downloads these emulators from Google's servers, which cannot be reached on every machine.
 * The Google Cloud SDK ships the same emulators, so we use them when present:
 *  1. an explicit FIRESTORE_EMULATOR_BINARY_PATH / PUBSUB_EMULATOR_BINARY_PATH;
 *  2. the gcloud SDK's copies. Its Firestore jar has no Main-Class, so we write a tiny wrapper jar whose
 *     manifest names the main class and puts the SDK jar on its Class-Path (cached under .cache/emulators);
 *  3. firebase-tools' own cache (~/.cache/firebase/emulators), or its download when online.
 * Anything missing stops the run with one sentence that says what and how to fix it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { storedZip } from '@clarity/core';

export class SetupError extends Error {}

const gcloudRoots = [
  '/usr/lib/google-cloud-sdk',
  '/usr/share/google-cloud-sdk',
  '/opt/google-cloud-sdk',
  path.join(homedir(), 'google-cloud-sdk'),
];
const firestoreMainClass = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';

function gcloudRootsFromPath(): string[] {
  try {
    const gcloud = execFileSync('sh', ['-c', 'command -v gcloud'], { encoding: 'utf8' }).trim();
    if (gcloud) return [path.resolve(path.dirname(gcloud), '..')];
  } catch {
    // no gcloud on PATH
  }
  return [];
}

function parseJavaMajor(text: string): number {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return 0;
  const first = Number(m[1]);
  return first === 1 ? Number(m[2]) : first;
}

export function requireJava(): number {
  let text: string;
  try {
    // `java -version` prints to stderr; fold it into stdout.
    text = execFileSync('sh', ['-c', 'java -version 2>&1'], { encoding: 'utf8' });
  } catch {
    throw new SetupError(
      'Java 17 or newer is required by the Firestore and Pub/Sub emulators and no working `java` is on PATH: install it (Debian: apt-get install -y openjdk-17-jre-headless).',
    );
  }
  const major = parseJavaMajor(text);
  if (major < 17) {
    throw new SetupError(
      `Java 17 or newer is required by the Firestore and Pub/Sub emulators but \`java -version\` reports ${major || 'an unknown version'}: install OpenJDK 17 (Debian: apt-get install -y openjdk-17-jre-headless).`,
    );
  }
  return major;
}

/** Manifest lines may be at most 72 bytes; longer values continue on lines that start with one space. */
function manifestLine(name: string, value: string): string {
  const full = `${name}: ${value}`;
  const lines = [full.slice(0, 72)];
  for (let i = 72; i < full.length; i += 71) lines.push(` ${full.slice(i, i + 71)}`);
  return lines.join('\r\n') + '\r\n';
}

export function writeFirestoreWrapperJar(sdkJar: string, cacheDir: string): string {
  mkdirSync(cacheDir, { recursive: true });
  const out = path.join(cacheDir, 'cloud-firestore-emulator-wrapper.jar');
  const manifest =
    'Manifest-Version: 1.0\r\n' +
    manifestLine('Main-Class', firestoreMainClass) +
    manifestLine('Class-Path', new URL(`file://${path.resolve(sdkJar)}`).href) +
    '\r\n';
  writeFileSync(out, storedZip([{ name: 'META-INF/MANIFEST.MF', data: Buffer.from(manifest, 'utf8') }]));
  return out;
}

function firebaseToolsCache(prefix: string): string | undefined {
  const dir = path.join(homedir(), '.cache', 'firebase', 'emulators');
  if (!existsSync(dir)) return undefined;
  const hit = readdirSync(dir).find((f) => f.startsWith(prefix));
  return hit ? path.join(dir, hit) : undefined;
}

export interface EmulatorBinaries {
  env: Record<string, string>;
  /** One line per emulator: where it comes from. */
  report: string[];
}

export function resolveEmulatorBinaries(
  repoRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): EmulatorBinaries {
  const out: EmulatorBinaries = { env: {}, report: [] };
  const roots = [...gcloudRootsFromPath(), ...gcloudRoots];
  const online = env.CLARITY_EMULATOR_DOWNLOAD === '1';

  const explicitFs = env.FIRESTORE_EMULATOR_BINARY_PATH;
  if (explicitFs) {
    if (!existsSync(explicitFs))
      throw new SetupError(
        `FIRESTORE_EMULATOR_BINARY_PATH points at ${explicitFs}, which does not exist: fix or unset it.`,
      );
    out.env.FIRESTORE_EMULATOR_BINARY_PATH = explicitFs;
    out.report.push(`firestore: ${explicitFs} (FIRESTORE_EMULATOR_BINARY_PATH)`);
  } else {
    const sdkJar = roots
      .map((r) => path.join(r, 'platform', 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar'))
      .find((p) => existsSync(p));
    if (sdkJar) {
      const wrapper = writeFirestoreWrapperJar(sdkJar, path.join(repoRoot, '.cache', 'emulators'));
      out.env.FIRESTORE_EMULATOR_BINARY_PATH = wrapper;
      out.report.push(
        `firestore: ${sdkJar} (Google Cloud SDK, wrapped as ${path.relative(repoRoot, wrapper)})`,
      );
    } else if (firebaseToolsCache('cloud-firestore-emulator')) {
      out.report.push(`firestore: firebase-tools cache ${firebaseToolsCache('cloud-firestore-emulator')}`);
    } else if (online) {
      out.report.push('firestore: firebase-tools will download it (CLARITY_EMULATOR_DOWNLOAD=1)');
    } else {
      throw new SetupError(
        'No Firestore emulator found: install the Google Cloud SDK component (gcloud components install cloud-firestore-emulator, or apt-get install google-cloud-cli-firestore-emulator), set FIRESTORE_EMULATOR_BINARY_PATH to its jar, or set CLARITY_EMULATOR_DOWNLOAD=1 to let firebase-tools download it.',
      );
    }
  }

  const explicitPs = env.PUBSUB_EMULATOR_BINARY_PATH;
  if (explicitPs) {
    if (!existsSync(explicitPs))
      throw new SetupError(
        `PUBSUB_EMULATOR_BINARY_PATH points at ${explicitPs}, which does not exist: fix or unset it.`,
      );
    out.env.PUBSUB_EMULATOR_BINARY_PATH = explicitPs;
    out.report.push(`pubsub: ${explicitPs} (PUBSUB_EMULATOR_BINARY_PATH)`);
  } else {
    const sdkPubsub = roots
      .map((r) => path.join(r, 'platform', 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator'))
      .find((p) => existsSync(p));
    if (sdkPubsub) {
      out.env.PUBSUB_EMULATOR_BINARY_PATH = sdkPubsub;
      out.report.push(`pubsub: ${sdkPubsub} (Google Cloud SDK)`);
    } else if (firebaseToolsCache('pubsub-emulator')) {
      out.report.push(`pubsub: firebase-tools cache`);
    } else if (online) {
      out.report.push('pubsub: firebase-tools will download it (CLARITY_EMULATOR_DOWNLOAD=1)');
    } else {
      throw new SetupError(
        'No Pub/Sub emulator found: install the Google Cloud SDK component (gcloud components install pubsub-emulator, or apt-get install google-cloud-cli-pubsub-emulator), set PUBSUB_EMULATOR_BINARY_PATH, or set CLARITY_EMULATOR_DOWNLOAD=1 to let firebase-tools download it.',
      );
    }
  }
  return out;
}

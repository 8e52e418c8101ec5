/**
 * Grants (or with --remove, takes away) a role through the `roles` custom claim, and mirrors the roles
 * into users/{uid}.roles (read-only for clients) so the app can show them.
 *
 *   npm run grant-role -- --uid <uid> --role clinician|admin|user [--remove] [--project <id>]
 *
 * Against the emulators when FIREBASE_AUTH_EMULATOR_HOST (and FIRESTORE_EMULATOR_HOST) are set; otherwise
 * against the project with Application Default Credentials. The user sees the new role after their ID
 * token refreshes (at most an hour, or at once with getIdToken(true)).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { FieldValue, getFirestore } from 'firebase-admin/firestore';

export const grantableRoles = ['user', 'clinician', 'admin'] as const;

export function nextRoles(current: unknown, role: string, remove: boolean): string[] {
  const have = Array.isArray(current) ? current.filter((r): r is string => typeof r === 'string') : [];
  const set = new Set(have);
  if (remove) set.delete(role);
  else set.add(role);
  return [...set].sort();
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        uid: { type: 'string' },
        role: { type: 'string' },
        remove: { type: 'boolean', default: false },
        project: { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`grant-role: ${(e as Error).message}`);
    return 2;
  }
  const { uid, role, remove, project } = values;
  if (!uid || !/^[A-Za-z0-9_-]{1,128}$/.test(uid)) {
    console.error('grant-role: --uid <uid> is required (letters, digits, _ and -)');
    return 2;
  }
  if (!role || !(grantableRoles as readonly string[]).includes(role)) {
    console.error(`grant-role: --role must be one of ${grantableRoles.join(', ')}`);
    return 2;
  }
  const projectId =
    project ??
    process.env.GCLOUD_PROJECT ??
    (process.env.FIREBASE_AUTH_EMULATOR_HOST ? 'demo-clarity' : undefined);
  const app = initializeApp(projectId ? { projectId } : {});
  const auth = getAuth(app);
  let user;
  try {
    user = await auth.getUser(uid);
  } catch {
    console.error(`grant-role: no user ${uid}${projectId ? ` in project ${projectId}` : ''}`);
    return 1;
  }
  const roles = nextRoles(user.customClaims?.roles, role, remove ?? false);
  await auth.setCustomUserClaims(uid, { ...(user.customClaims ?? {}), roles });
  await getFirestore(app)
    .doc(`users/${uid}`)
    .set({ roles, rolesUpdatedAt: FieldValue.serverTimestamp() }, { merge: true });
  console.log(`grant-role: ${uid} now has roles [${roles.join(', ')}]`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

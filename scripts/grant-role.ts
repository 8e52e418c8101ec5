/**
 * Grants (or with --remove, takes away) a role through the `roles` custom claim (changeRoles,
 * functions/src/platform/roles.ts): the user's refresh tokens are revoked, so their current ID token and
 * session cookies stop working at once and their next sign-in carries the new roles; the roles are mirrored
 * into users/{uid} (read-only for clients) and the change is audited.
 *
 *   npm run grant-role -- --uid <uid> --role clinician|admin|user [--remove] [--project <id>]
 *
 * Against the emulators when FIREBASE_AUTH_EMULATOR_HOST (and FIRESTORE_EMULATOR_HOST) are set; otherwise
 * against the project with Application Default Credentials.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';
import { changeRoles, grantableRoles, nextRoles } from '../functions/src/platform/roles.ts';

export { grantableRoles, nextRoles };

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
  await changeRoles({ auth, db: getFirestore(app) }, uid, roles, { uid: 'system:grant-role' });
  console.log(`grant-role: ${uid} now has roles [${roles.join(', ')}]`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

/** The Auth user deleted (console, Admin SDK, the app) -> every document and object of theirs goes (pipeline/account-deletion.ts). */
import { deleteAccount } from '../pipeline/account-deletion.ts';
import { authUserDeleted } from './factory.ts';

export const onAuthUserDeleted = authUserDeleted(
  'onAuthUserDeleted',
  { timeoutSeconds: 540, memory: '512MB' },
  (user, context, deps) =>
    deleteAccount(deps.account(), {
      uid: user.uid,
      actorUid: 'system:auth-trigger',
      actorRoles: [],
      requestId: context.eventId,
      via: 'auth_trigger',
    }),
);

/**
 * Auth user deleted -> cascade. firebase-functions v7 has no 2nd-gen "user deleted" event (v2 identity
 * offers only blocking functions), so this one trigger is 1st gen (firebase-functions/v1); the Auth
 * emulator fires it too.
 */
import * as functionsV1 from 'firebase-functions/v1';
import { region } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';
import { sentrySecrets, withSentry } from '../platform/sentry.ts';
import { blobStore, firestore } from '../platform/services.ts';
import { deleteAccount } from './account-deletion.ts';

export const onAuthUserDeleted = functionsV1
  .region(region)
  .runWith({ timeoutSeconds: 540, memory: '512MB', failurePolicy: true, secrets: sentrySecrets })
  .auth.user()
  .onDelete(
    withSentry('onAuthUserDeleted', async (user, context) => {
      await deleteAccount(
        {
          db: firestore(),
          blobs: blobStore(),
          log: logger.child({ fn: 'onAuthUserDeleted', eventId: context.eventId }),
        },
        {
          uid: user.uid,
          actorUid: 'system:auth-trigger',
          actorRoles: [],
          requestId: context.eventId,
          via: 'auth_trigger',
        },
      );
    }),
  );

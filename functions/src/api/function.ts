import { createApp } from './app.ts';
import {
  blobStoreKind,
  corsOrigins,
  geminiModel,
  inferenceUrl,
  maxJsonBytes,
  maxUploadBytes,
  rateLimitAnonBurst,
  rateLimitAnonGlobal,
  rateLimitAnonPerClient,
  rateLimitGlobal,
  rateLimitPerUser,
  rateLimitPoolShards,
  rateLimitUserBurst,
  rateLimitWindowSeconds,
  requireSecondFactor,
  appCheckEnforce,
  runtime,
  signatureMaxSkewSeconds,
  signingSecret,
  trustedProxyHops,
  vertexProject,
} from '../platform/config.ts';
import { emulatorFinalizer, type ObjectFinalizer } from '../platform/emulator-storage.ts';
import { inferenceReadiness, llmConfiguration } from './dependency-checks.ts';
import { FirestoreRateLimitStore, RateLimitStoreTimeout, RateLimiter } from './rate-limit.ts';
import { parseOrigins } from './security.ts';
import { signingSecretFor } from './signing.ts';
import { logger } from '../platform/logger.ts';
import { adminApp, auth, blobStore, firestore } from '../platform/services.ts';
import { getAppCheck } from 'firebase-admin/app-check';
import type { Express, Request, Response } from 'express';
import { webhookDeps } from '../delivery/webhook-deps.ts';

const log = logger.child({ fn: 'api' });

/**
 * The emulator-only file route (PUT /v1/health/files) is on only in the Functions emulator with the local
 * blob store, where no Storage emulator delivers finalize events; deployed, clients use Cloud Storage.
 */
function emulatorObjectFinalizer(): ObjectFinalizer | undefined {
  const hub = runtime.emulatorHub;
  if (!runtime.isEmulator || !hub || blobStoreKind.value() !== 'fs') return undefined;
  return emulatorFinalizer({ hub, projectId: runtime.projectId, bucket: runtime.storageBucket });
}

/**
 * The API as the function runs it, built from the params (platform/config.ts) and the process-wide
 * clients. Exported for the flood test, which serves it on loopback (functions/test/support/flood.ts).
 */
export function apiFromParams(): Express {
  return createApp({
    db: firestore(),
    auth: auth(),
    blobs: blobStore(),
    log,
    now: Date.now,
    maxUploadBytes: maxUploadBytes.value(),
    version: runtime.version,
    startedAt: runtime.startedAt,
    objectFinalizer: emulatorObjectFinalizer(),
    dependencyChecks: {
      inference: inferenceReadiness(inferenceUrl.value()),
      llm: llmConfiguration(vertexProject.value(), geminiModel.value()),
    },
    security: {
      rateLimiter: new RateLimiter(
        new FirestoreRateLimitStore(firestore()),
        {
          windowSeconds: rateLimitWindowSeconds.value(),
          user: {
            perCaller: rateLimitPerUser.value(),
            burst: rateLimitUserBurst.value(),
            pool: rateLimitGlobal.value(),
          },
          anon: {
            perCaller: rateLimitAnonPerClient.value(),
            burst: rateLimitAnonBurst.value(),
            pool: rateLimitAnonGlobal.value(),
          },
          poolShards: rateLimitPoolShards.value(),
        },
        {
          // Slower than the timeout (a cold start on a loaded machine): a warning; the instance's own
          // limiter decided. Any other failure of the store: an error (still bounded per instance).
          onStoreError: (e) => {
            if (e instanceof RateLimitStoreTimeout)
              log.warn('api.rate_limit_store_slow', { reason: e.message });
            else log.error('api.rate_limit_store_unavailable', { errorName: (e as Error).name });
          },
        },
      ),
      trustedProxyHops: trustedProxyHops.value(),
      requireSecondFactor: requireSecondFactor.value(),
      ...(appCheckEnforce.value()
        ? {
            appCheck: {
              verify: (token: string) =>
                getAppCheck(adminApp())
                  .verifyToken(token)
                  .then(() => undefined),
            },
          }
        : {}),
      corsOrigins: parseOrigins(corsOrigins.value()),
      maxJsonBytes: maxJsonBytes.value(),
      signingSecret: configuredSigningSecret(),
      signatureMaxSkewSeconds: signatureMaxSkewSeconds.value(),
    },
    webhooks: webhookDeps(firestore(), log.child({ part: 'webhooks' })),
  });
}

/** The signing secret, or none (signed routes answer 503) when it is the demo value outside the emulators. */
function configuredSigningSecret(): string | undefined {
  try {
    return signingSecretFor(signingSecret.value(), runtime.isEmulator);
  } catch (e) {
    log.error('api.signing_secret_refused', { reason: (e as Error).message });
    return undefined;
  }
}

let app: Express | undefined;

/** The `api` function's handler (triggers/api.ts): the app is built from the params on the first request. */
export function serveApi(req: Request, res: Response): void {
  app ??= apiFromParams();
  app(req, res);
}

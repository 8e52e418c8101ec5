import { onRequest } from 'firebase-functions/v2/https';
import { createApp } from './app.ts';
import { maxUploadBytes, region, runtime } from '../platform/config.ts';
import { logger } from '../platform/logger.ts';
import { auth, blobStore, firestore } from '../platform/services.ts';
import type { Express } from 'express';

let app: Express | undefined;

export const api = onRequest(
  { region, memory: '512MiB', timeoutSeconds: 60, concurrency: 80 },
  (req, res) => {
    app ??= createApp({
      db: firestore(),
      auth: auth(),
      blobs: blobStore(),
      log: logger.child({ fn: 'api' }),
      now: Date.now,
      maxUploadBytes: maxUploadBytes.value(),
      version: runtime.version,
      startedAt: runtime.startedAt,
    });
    app(req, res);
  },
);

import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import type { Request } from 'express';
import type { BlobStore } from '../store/blob-store.ts';
import type { Logger } from '../platform/logger.ts';
import type { SecurityDeps } from './security.ts';
import type { DependencyCheck } from './dependency-checks.ts';
import type { ObjectFinalizer } from '../platform/emulator-storage.ts';
import type { WebhookDeps } from '../delivery/webhooks.ts';

/** Everything the API needs, passed in: tests build it on the emulators, the function from config. */
export interface ApiDeps {
  db: Firestore;
  auth: Auth;
  blobs: BlobStore;
  log: Logger;
  now: () => number;
  maxUploadBytes: number;
  version: string;
  startedAt: number;
  /** Rate limiter, CORS allowlist, body limit, signing secret (api/security.ts); defaults when absent. */
  security?: SecurityDeps;
  /** Extra checks shown to admins by GET /v1/system/health (inference, LLM); none when absent. */
  dependencyChecks?: Record<string, DependencyCheck>;
  /**
   * Emulators only: delivers the Storage finalize event for objects the file route (PUT /v1/health/files)
   * writes to the local blob store. Absent when deployed, which disables that route (404).
   */
  objectFinalizer?: ObjectFinalizer;
  /** Webhook delivery (SSRF policy, attempt queue, clock); the webhook routes answer 503 without it. */
  webhooks?: WebhookDeps;
}

export interface Caller {
  uid: string;
  roles: string[];
  /** Unix seconds of the sign-in behind the token (auth_time): recent sign-in checks. */
  authTime?: number;
  /** The second factor of the sign-in (`firebase.sign_in_second_factor`: "phone", "totp"), if any. */
  secondFactor?: string;
}

/** Per-request state set by middleware. */
export interface RequestState {
  requestId: string;
  caller?: Caller;
  log: Logger;
  /** Set once the rate limiter has counted this request (it runs at most once per request). */
  rateLimited?: boolean;
}

export function state(req: Request): RequestState {
  return (req as Request & { clarity: RequestState }).clarity;
}

export function setState(req: Request, s: RequestState): void {
  (req as Request & { clarity: RequestState }).clarity = s;
}

/** The one success envelope. */
export function envelope<T>(data: T, requestId: string): { data: T; meta: { requestId: string } } {
  return { data, meta: { requestId } };
}

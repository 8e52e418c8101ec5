import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import type { Request } from 'express';
import type { BlobStore } from '../store/blob-store.ts';
import type { Logger } from '../platform/logger.ts';

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
}

export interface Caller {
  uid: string;
  roles: string[];
}

/** Per-request state set by middleware. */
export interface RequestState {
  requestId: string;
  caller?: Caller;
  log: Logger;
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

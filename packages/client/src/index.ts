/**
 * @clarity/client: what an app does with the Clarity Loop backend, typed, over the Firebase JS SDK
 * (modular, v12): file uploads on either path, HealthKit batches and the other API calls, and live
 * listeners for uploads, jobs, analyses and insights. Works in browsers, React Native and Node.
 */
import type { FirebaseApp } from 'firebase/app';
import type { Auth } from 'firebase/auth';
import {
  collection,
  doc,
  limit as limitTo,
  onSnapshot,
  orderBy,
  query,
  type Firestore,
  type FirestoreError,
  type Unsubscribe,
} from 'firebase/firestore';
import type { CareTeamPatientsPage, HealthKitSampleInput, InsightsPage } from '@clarity/core';
import {
  converters,
  finishedUploadStatuses,
  type Analysis,
  type Insight,
  type Job,
  type Upload,
} from './documents.ts';
import { readSeriesDay, type SeriesDay } from './series.ts';

export * from './documents.ts';
/** The API's response shapes (the core's zod contracts, as types). */
export type { CareTeamPatient, CareTeamPatientsPage, InsightItem, InsightsPage } from '@clarity/core';
export * from './emulators.ts';
export * from './series.ts';

/**
 * How files reach the backend. `storage`: the Storage SDK (`uploadBytesResumable`) to
 * uploads/{uid}/{uploadId}/{file} (Cloud Storage, or a Storage emulator); `api`: the emulator-only route
 * PUT /v1/health/files/{uploadId}/{file}, for emulator sessions where no Storage emulator runs. Chosen by
 * configuration; both end in the same storage trigger and the same upload document.
 */
export type UploadPath = 'storage' | 'api';

export interface ClarityClientOptions {
  app: FirebaseApp;
  auth: Auth;
  db: Firestore;
  /** Base URL of the API function, without /v1: '' when Hosting rewrites /v1/** to it (same origin). */
  apiBaseUrl: string;
  uploadPath: UploadPath;
  /** With uploadPath 'storage' on the emulators: the Storage emulator's host and port. */
  storageEmulator?: { host: string; port: number };
  fetch?: typeof fetch;
}

export interface UploadProgress {
  bytesSent: number;
  totalBytes: number;
}

export interface FileUploadOptions {
  filename: string;
  /** Defaults from the file name (what the Storage SDK would send, and what storage.rules accept). */
  contentType?: string;
  /** IANA zone of a device file's clock (custom metadata the import reads). */
  timezone?: string;
  /** Participant id inside a multi-subject file (Fitbit exports). */
  subject?: string;
  /** A chosen id (retries reuse it); a random one otherwise. */
  uploadId?: string;
  onProgress?: (p: UploadProgress) => void;
}

/** The body of POST /v1/health/upload (the core's healthKitUploadSchema). */
export interface HealthKitBatch {
  samples: (HealthKitSampleInput | Record<string, unknown>)[];
  timezone?: string;
  client?: { app?: string; version?: string };
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export class ClarityApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, body: ApiErrorBody['error']) {
    super(body.message);
    this.name = 'ClarityApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }
}

/** The reason codes POST /v1/health/insights/{id}/feedback accepts (functions/src/api/schemas.ts). */
export type InsightFeedbackReason =
  | 'actionable'
  | 'clear'
  | 'accurate'
  | 'not_accurate'
  | 'not_relevant'
  | 'too_generic'
  | 'hard_to_understand'
  | 'already_knew'
  | 'other';

/** What the opened and feedback routes answer. */
export interface InsightEngagement {
  insightId: string;
  openedAt: string;
  helpful: boolean | null;
  reason: InsightFeedbackReason | null;
  changed: boolean;
}

/** GET /v1/health/insights: `uid` reads a care-team member's (clinicians, admins; audited). */
export interface InsightsQuery {
  uid?: string;
  /** 1-50 (default 20). */
  limit?: number;
  cursor?: string;
  locale?: 'en' | 'es' | 'de';
}

/** GET /v1/care-team/patients. */
export interface CareTeamPatientsQuery {
  /** 1-50 (default 20). */
  limit?: number;
  /** nextCursor of the previous page. */
  cursor?: string;
}

/** A query string from the defined values (`?a=1&b=x`, or '' when none is). */
export function queryString(q: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export interface TrendsQuery {
  metric: string;
  start: string;
  end: string;
  granularity?: 'day' | 'week' | 'month';
  uid?: string;
}

const extensionTypes: Record<string, string> = {
  zip: 'application/zip',
  xml: 'application/xml',
  csv: 'text/csv',
  json: 'application/json',
  agd: 'application/x-sqlite3',
  awd: 'application/octet-stream',
};

/** The Content-Type a file is uploaded with, from its name (octet-stream when unknown). */
export function contentTypeFor(filename: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase() ?? '';
  return extensionTypes[ext] ?? 'application/octet-stream';
}

/** A random upload id (24 hex characters, the shape the API gives JSON uploads). */
export function newUploadId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The request-signing headers (functions/README-security.md), with WebCrypto. */
export async function signRequest(opts: {
  key: string;
  method: string;
  path: string;
  body?: string;
  nowMs?: number;
}): Promise<Record<string, string>> {
  const enc = new TextEncoder();
  const subtle = globalThis.crypto.subtle;
  const timestamp = String(Math.floor((opts.nowMs ?? Date.now()) / 1000));
  const nonce = newUploadId();
  const bodyHash = hex(await subtle.digest('SHA-256', enc.encode(opts.body ?? '')));
  const canonical = `${opts.method.toUpperCase()}\n${opts.path}\n${timestamp}\n${nonce}\n${bodyHash}`;
  const key = await subtle.importKey('raw', enc.encode(opts.key), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return {
    'X-Clarity-Timestamp': timestamp,
    'X-Clarity-Nonce': nonce,
    'X-Clarity-Signature': hex(await subtle.sign('HMAC', key, enc.encode(canonical))),
  };
}

type Bytes = Blob | Uint8Array | ArrayBuffer;

/** The part of XMLHttpRequest used for upload progress (browsers; absent in Node and some RN set-ups). */
interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  upload: { onprogress: ((e: { loaded: number; total: number }) => void) | null };
  onerror: (() => void) | null;
  onload: (() => void) | null;
  status: number;
  responseText: string;
  send(body: unknown): void;
}
const XhrCtor = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;

function sizeOf(data: Bytes): number {
  return data instanceof Blob ? data.size : data.byteLength;
}

export class ClarityClient {
  readonly options: ClarityClientOptions;
  private readonly doFetch: typeof fetch;
  private readonly signingKeys = new Map<string, string>();
  constructor(options: ClarityClientOptions) {
    this.options = options;
    this.doFetch = options.fetch ?? ((...a) => globalThis.fetch(...a));
  }

  private uid(): string {
    const u = this.options.auth.currentUser;
    if (!u) throw new Error('sign in first');
    return u.uid;
  }

  private async token(): Promise<string> {
    const u = this.options.auth.currentUser;
    if (!u) throw new Error('sign in first');
    return u.getIdToken();
  }

  /** One API call; the envelope's data on success, a ClarityApiError otherwise. */
  async call<T>(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; raw?: Bytes | string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.token()}`,
      ...init.headers,
    };
    let body: Bytes | string | undefined = init.raw;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.doFetch(`${this.options.apiBaseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as { data?: T } & Partial<ApiErrorBody>) : {};
    if (!res.ok) {
      throw new ClarityApiError(
        res.status,
        json.error ?? { code: 'http_error', message: `${method} ${path}: HTTP ${res.status}` },
      );
    }
    return json.data as T;
  }

  /**
   * Uploads a file (Apple Health export.zip/export.xml, .AWD, .agd, ActiLife or Fitbit CSV) on the configured
   * path; resolves with its upload id once the bytes are stored. Follow it with watchUpload.
   */
  async uploadFile(data: Bytes, opts: FileUploadOptions): Promise<{ uploadId: string; path: UploadPath }> {
    const uploadId = opts.uploadId ?? newUploadId();
    const contentType = opts.contentType ?? contentTypeFor(opts.filename);
    const total = sizeOf(data);
    const metadata: Record<string, string> = {};
    if (opts.timezone) metadata.timezone = opts.timezone;
    if (opts.subject) metadata.subject = opts.subject;
    if (this.options.uploadPath === 'storage') {
      // Loaded on first use: apps on the API path never download the Storage SDK.
      const st = await import('firebase/storage');
      const storage = st.getStorage(this.options.app);
      const emu = this.options.storageEmulator;
      if (emu && !(storage as { _emulatorConnected?: boolean })._emulatorConnected) {
        st.connectStorageEmulator(storage, emu.host, emu.port);
        (storage as { _emulatorConnected?: boolean })._emulatorConnected = true;
      }
      const objectRef = st.ref(storage, `uploads/${this.uid()}/${uploadId}/${opts.filename}`);
      const task = st.uploadBytesResumable(objectRef, data, {
        contentType,
        ...(Object.keys(metadata).length > 0 ? { customMetadata: metadata } : {}),
      });
      await new Promise<void>((resolve, reject) => {
        task.on(
          'state_changed',
          (s) => opts.onProgress?.({ bytesSent: s.bytesTransferred, totalBytes: s.totalBytes }),
          reject,
          () => resolve(),
        );
      });
      return { uploadId, path: 'storage' };
    }
    const params = new URLSearchParams(metadata).toString();
    const path = `/v1/health/files/${encodeURIComponent(uploadId)}/${encodeURIComponent(opts.filename)}${params ? `?${params}` : ''}`;
    opts.onProgress?.({ bytesSent: 0, totalBytes: total });
    if (opts.onProgress && XhrCtor) {
      // Browsers: XMLHttpRequest reports upload progress (fetch cannot).
      await this.putWithProgress(XhrCtor, path, data, contentType, opts.onProgress);
    } else {
      await this.call('PUT', path, {
        raw: data,
        headers: { 'content-type': contentType },
      });
    }
    opts.onProgress?.({ bytesSent: total, totalBytes: total });
    return { uploadId, path: 'api' };
  }

  private async putWithProgress(
    Ctor: new () => Xhr,
    path: string,
    data: Bytes,
    contentType: string,
    onProgress: (p: UploadProgress) => void,
  ): Promise<void> {
    const token = await this.token();
    await new Promise<void>((resolve, reject) => {
      const xhr = new Ctor();
      xhr.open('PUT', `${this.options.apiBaseUrl}${path}`);
      xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.setRequestHeader('content-type', contentType);
      xhr.upload.onprogress = (e) => onProgress({ bytesSent: e.loaded, totalBytes: e.total });
      xhr.onerror = () => reject(new Error(`PUT ${path}: network error`));
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve();
        let err: ApiErrorBody['error'] = { code: 'http_error', message: `PUT ${path}: HTTP ${xhr.status}` };
        try {
          err = (JSON.parse(xhr.responseText) as ApiErrorBody).error ?? err;
        } catch {
          // not the API's error shape
        }
        reject(new ClarityApiError(xhr.status, err));
      };
      xhr.send(data);
    });
  }

  /** POST /v1/health/upload: a HealthKit-style JSON batch; 202 with its upload id. */
  uploadHealthKit(
    batch: HealthKitBatch,
    opts: { idempotencyKey?: string } = {},
  ): Promise<{ uploadId: string; status: 'received'; replayed?: boolean }> {
    return this.call('POST', '/v1/health/upload', {
      body: batch,
      ...(opts.idempotencyKey ? { headers: { 'idempotency-key': opts.idempotencyKey } } : {}),
    });
  }

  /** GET /v1/health/trends. */
  trends<T = unknown>(q: TrendsQuery): Promise<T> {
    const params = new URLSearchParams(
      Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    return this.call('GET', `/v1/health/trends?${params.toString()}`);
  }

  /**
   * GET /v1/health/insights: a page of insights, newest first. Without `uid` your own; with it, a care-team
   * member's (clinicians in their care team and admins only; the read is audited, and firestore.rules refuse
   * the same read through the Firestore SDK).
   */
  insights(q: InsightsQuery = {}): Promise<InsightsPage> {
    return this.call('GET', `/v1/health/insights${queryString({ ...q })}`);
  }

  /**
   * GET /v1/care-team/patients (clinicians and admins): the people who put you in their care team, by uid, a
   * page at a time (nextCursor); each with display name, email and the times of their newest upload and
   * insight. A plain user gets ClarityApiError 403.
   */
  careTeamPatients(q: CareTeamPatientsQuery = {}): Promise<CareTeamPatientsPage> {
    return this.call('GET', `/v1/care-team/patients${queryString({ ...q })}`);
  }

  /** POST /v1/health/insights/{id}/opened: marks one of your insights opened (repeats change nothing). */
  markInsightOpened(insightId: string): Promise<InsightEngagement> {
    return this.call('POST', `/v1/health/insights/${encodeURIComponent(insightId)}/opened`);
  }

  /** POST /v1/health/insights/{id}/feedback: helpful yes/no, optionally why; a new answer replaces the old. */
  sendInsightFeedback(
    insightId: string,
    answer: { helpful: boolean; reason?: InsightFeedbackReason },
  ): Promise<InsightEngagement> {
    return this.call('POST', `/v1/health/insights/${encodeURIComponent(insightId)}/feedback`, {
      body: answer,
    });
  }

  /**
   * The request-signing key (POST /v1/security/signing-key): kept in memory for the signed-in user. The
   * server gives it out (the first time, or rotated) only right after a sign-in (5 minutes), so apps call
   * this as soon as the user has signed in; later, a signed call without a key answers 401 "sign in again".
   */
  async signingKey(): Promise<string> {
    const uid = this.uid();
    const known = this.signingKeys.get(uid);
    if (known) return known;
    const { key } = await this.call<{ key: string }>('POST', '/v1/security/signing-key', { body: {} });
    this.signingKeys.set(uid, key);
    return key;
  }

  /** One signed API call (functions/README-security.md, "Signed requests"). */
  private async signedCall<T>(method: string, path: string, body?: unknown): Promise<T> {
    const key = await this.signingKey();
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = await signRequest({ key, method, path, ...(text !== undefined ? { body: text } : {}) });
    return this.call(method, path, { headers, ...(text !== undefined ? { body: text } : {}) });
  }

  /** GET /v1/account/export (signed): everything stored about the signed-in user, as one JSON object. */
  exportAccount<T = Record<string, unknown>>(): Promise<T> {
    return this.signedCall('GET', '/v1/account/export');
  }

  /** PUT /v1/account/care-team (signed): the clinicians who may read the user's data (replaces the list). */
  setCareTeam(clinicians: string[]): Promise<{ careTeam: string[] }> {
    return this.signedCall('PUT', '/v1/account/care-team', { clinicians });
  }

  /** DELETE /v1/account (signed): erases the account and everything stored about it. */
  async deleteAccount(): Promise<unknown> {
    const out = await this.signedCall('DELETE', '/v1/account');
    this.signingKeys.delete(this.uid());
    return out;
  }

  /** The upload document, live (undefined until the backend has created it). */
  watchUpload(
    uploadId: string,
    onChange: (u: Upload | undefined) => void,
    onError?: (e: FirestoreError) => void,
  ): Unsubscribe {
    const ref = doc(this.options.db, 'users', this.uid(), 'uploads', uploadId).withConverter(
      converters.upload,
    );
    return onSnapshot(ref, (s) => onChange(s.data()), onError);
  }

  /** Resolves with the upload document once it is ingested, partial or rejected. */
  uploadFinished(uploadId: string, timeoutMs = 120_000): Promise<Upload> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`upload ${uploadId} not finished within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.watchUpload(
        uploadId,
        (u) => {
          if (u && (finishedUploadStatuses as readonly string[]).includes(u.status)) {
            clearTimeout(timer);
            stop();
            resolve(u);
          }
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** The newest jobs of the user, live, newest first. */
  watchJobs(
    onChange: (jobs: Job[]) => void,
    opts: { limit?: number; uid?: string; onError?: (e: FirestoreError) => void } = {},
  ): Unsubscribe {
    const q = query(
      collection(this.options.db, 'users', opts.uid ?? this.uid(), 'jobs').withConverter(converters.job),
      orderBy('createdAt', 'desc'),
      limitTo(opts.limit ?? 20),
    );
    return onSnapshot(q, (s) => onChange(s.docs.map((d) => d.data())), opts.onError);
  }

  /** The analysis job an upload started (or joined), live; undefined until it exists. */
  watchJobForUpload(
    uploadId: string,
    onChange: (job: Job | undefined) => void,
    onError?: (e: FirestoreError) => void,
  ): Unsubscribe {
    return this.watchJobs(
      (jobs) => onChange(jobs.find((j) => j.uploadId === uploadId || (j.uploadIds ?? []).includes(uploadId))),
      onError ? { onError } : {},
    );
  }

  /** One analysis (its id is the job id), live. */
  watchAnalysis(
    id: string,
    onChange: (a: Analysis | undefined) => void,
    opts: { uid?: string; onError?: (e: FirestoreError) => void } = {},
  ): Unsubscribe {
    const ref = doc(this.options.db, 'users', opts.uid ?? this.uid(), 'analyses', id).withConverter(
      converters.analysis,
    );
    return onSnapshot(ref, (s) => onChange(s.data()), opts.onError);
  }

  /**
   * One metric-day with every sample (`readSeriesDay`: a dense day's shard documents merged into its head);
   * undefined when there is none.
   */
  seriesDay(metric: string, date: string, opts: { uid?: string } = {}): Promise<SeriesDay | undefined> {
    return readSeriesDay(this.options.db, opts.uid ?? this.uid(), metric, date);
  }

  /** Insights, newest first, live. */
  watchInsights(
    onChange: (insights: Insight[]) => void,
    opts: { limit?: number; uid?: string; onError?: (e: FirestoreError) => void } = {},
  ): Unsubscribe {
    const q = query(
      collection(this.options.db, 'users', opts.uid ?? this.uid(), 'insights').withConverter(
        converters.insight,
      ),
      orderBy('createdAt', 'desc'),
      limitTo(opts.limit ?? 10),
    );
    return onSnapshot(q, (s) => onChange(s.docs.map((d) => d.data())), opts.onError);
  }
}

export function createClarityClient(options: ClarityClientOptions): ClarityClient {
  return new ClarityClient(options);
}

import { ClarityError, errorBody, isClarityError, type ErrorBody, type ErrorCode } from '@clarity/core';

// The error type and the one error body are the core's (inference-run answers with the same body).
export { ClarityError, errorBody, isClarityError, type ErrorBody };

/** A short description of an error for logs (never health values; no stack). */
export function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300);
}

/**
 * Whether a failure may pass if the same work is tried again: the one classification every stage and
 * trigger uses to choose between "redeliver" and "fail, dead-letter".
 *
 * - ClarityError: its own `retryable` flag (unavailable, deadline_exceeded, rate_limited by default).
 * - gRPC status codes (Firestore, Cloud Tasks, other Google APIs): CANCELLED 1, UNKNOWN 2, DEADLINE_EXCEEDED 4,
 *   RESOURCE_EXHAUSTED 8, ABORTED 10, INTERNAL 13, UNAVAILABLE 14 are transient; INVALID_ARGUMENT 3 (a document
 *   Firestore refuses), NOT_FOUND 5, ALREADY_EXISTS 6, PERMISSION_DENIED 7, FAILED_PRECONDITION 9,
 *   OUT_OF_RANGE 11, UNIMPLEMENTED 12, DATA_LOSS 15, UNAUTHENTICATED 16 are permanent.
 * - Node network errors (ECONNRESET, ETIMEDOUT, ...) and HTTP 408/429/5xx are transient.
 * - RangeError, TypeError, SyntaxError, URIError (bad data meeting code: an unknown time zone, a value of the
 *   wrong type) are permanent: the same input fails the same way every time.
 * - Anything else is transient; the attempt bound (maxStageAttempts, maxIngestAttempts) still ends it.
 */
export function isTransient(e: unknown): boolean {
  if (isClarityError(e)) return e.retryable;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 16)
    return transientGrpc.has(code);
  if (typeof code === 'string') {
    if (transientNet.has(code)) return true;
    const grpc = grpcNames[code.toLowerCase().replace(/-/g, '_')];
    if (grpc !== undefined) return transientGrpc.has(grpc);
  }
  const status = (e as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status === 408 || status === 429 || status >= 500;
  if (e instanceof RangeError || e instanceof TypeError || e instanceof SyntaxError || e instanceof URIError)
    return false;
  return true;
}

const transientGrpc = new Set([1, 2, 4, 8, 10, 13, 14]);
const transientNet = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN', 'EPIPE', 'ENOTFOUND']);
const grpcNames: Record<string, number> = {
  cancelled: 1,
  unknown: 2,
  invalid_argument: 3,
  deadline_exceeded: 4,
  not_found: 5,
  already_exists: 6,
  permission_denied: 7,
  resource_exhausted: 8,
  failed_precondition: 9,
  aborted: 10,
  out_of_range: 11,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  data_loss: 15,
  unauthenticated: 16,
};

/** The cause of a failure as stored on a job, upload or dead letter: a code and a message a person reads. */
export function failureCause(e: unknown): { code: ErrorCode; message: string } {
  if (isClarityError(e)) return { code: e.code, message: e.message };
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 3 || code === 'invalid-argument')
    return { code: 'invalid_argument', message: 'Firestore refused a document written from this data' };
  if (e instanceof RangeError)
    return { code: 'invalid_input', message: `bad value: ${e.message}`.slice(0, 300) };
  return { code: 'internal', message: 'internal error' };
}

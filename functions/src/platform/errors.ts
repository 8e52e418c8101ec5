import { ClarityError, errorBody, isClarityError, type ErrorBody } from '@clarity/core';

// The error type and the one error body are the core's (inference-run answers with the same body).
export { ClarityError, errorBody, isClarityError, type ErrorBody };

/** A short description of an error for logs (never health values; no stack). */
export function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300);
}

import { ClarityError, isClarityError } from '@clarity/core';

export { ClarityError, isClarityError };

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: { path: (string | number)[]; message: string }[];
    requestId: string;
  };
}

/** The one error shape of the API. Unknown errors become a generic 500: no stack, no internals. */
export function errorBody(e: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (isClarityError(e)) {
    return {
      status: e.httpStatus,
      body: {
        error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}), requestId },
      },
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error', requestId } } };
}

/** A short description of an error for logs (never health values; no stack). */
export function errorText(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).slice(0, 300);
}

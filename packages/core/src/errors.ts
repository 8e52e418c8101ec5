/**
 * The one error type of the project. Every layer throws ClarityError with a stable machine-readable code;
 * the API maps the code to an HTTP status, the CLI to an exit status. Messages name the field and the reason
 * and never carry health values, tokens or stack traces.
 */
export const errorCodes = {
  invalid_argument: 400,
  invalid_input: 400,
  parse_error: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** The request is well-formed but contradicts an earlier one (an Idempotency-Key reused with another body). */
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  deadline_exceeded: 504,
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** One problem with one field of the input; `path` is a JSON-pointer-like list of keys and indexes. */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
  /** 1-based line for file readers, when known. */
  line?: number;
}

export class ClarityError extends Error {
  readonly code: ErrorCode;
  readonly details: FieldIssue[] | undefined;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: FieldIssue[]; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClarityError';
    this.code = code;
    this.details = options.details;
    this.retryable =
      options.retryable ??
      (code === 'unavailable' || code === 'deadline_exceeded' || code === 'rate_limited');
  }

  get httpStatus(): number {
    return errorCodes[this.code];
  }
}

export function isClarityError(e: unknown): e is ClarityError {
  return e instanceof ClarityError;
}

/** An invalid_input error about one field, the message repeated as the field's issue. */
export function invalidField(message: string, field: string | number): ClarityError {
  return new ClarityError('invalid_input', message, { details: [{ path: [field], message }] });
}

/** What a schema check reports: zod's issues, or anything of their shape. */
export interface SchemaIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** A schema library's issues as field issues, each path behind `prefix` (symbol keys named). */
export function fieldIssues(
  issues: readonly SchemaIssue[],
  prefix: readonly (string | number)[] = [],
): FieldIssue[] {
  return issues.map((i) => ({
    path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    message: i.message,
  }));
}

/** The one error body of every HTTP surface: `{error: {code, message, details?, requestId}}`. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: FieldIssue[];
    requestId: string;
  };
}

/** The status and body for an error. Unknown errors become a generic 500: no stack, no internals. */
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

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
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
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

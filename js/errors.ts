// KspaceError: every failure the API reports, with a stable machine-readable code.

/**
 * Stable error codes. Never renamed; new ones are only added.
 * - INVALID_ARGUMENT: malformed or out-of-range input; `field` names it. Nothing was changed.
 * - NOT_FOUND: an id that does not exist.
 * - ALREADY_EXISTS: a unique name or key is taken.
 * - FAILED_PRECONDITION: valid input, but the target's state forbids it (e.g. writing into a
 *   deleted space, purging something not deleted).
 * - QUOTA_EXCEEDED: a space's storage quota (or the device's storage) would be exceeded.
 * - TOO_LARGE: input over a hard size limit (e.g. a source above maxSourceBytes).
 * - STORE_LOCKED: another tab, worker or process has the store open.
 * - CORRUPT: the store file is damaged or is not a kspace store.
 * - CLOSED: the store was closed (or its worker stopped).
 * - CANCELLED: the caller aborted the operation.
 * - UNSUPPORTED: not available here (e.g. a store written by a newer kspace, OPFS in Node).
 * - IO_ERROR: the platform failed to read or write.
 * - INTERNAL: a bug in kspace; please report it.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'QUOTA_EXCEEDED'
  | 'TOO_LARGE'
  | 'STORE_LOCKED'
  | 'CORRUPT'
  | 'CLOSED'
  | 'CANCELLED'
  | 'UNSUPPORTED'
  | 'IO_ERROR'
  | 'INTERNAL';

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'FAILED_PRECONDITION', 'QUOTA_EXCEEDED',
  'TOO_LARGE', 'STORE_LOCKED', 'CORRUPT', 'CLOSED', 'CANCELLED', 'UNSUPPORTED', 'IO_ERROR', 'INTERNAL',
]);

export class KspaceError extends Error {
  override readonly name = 'KspaceError';
  /** The stable code; branch on this, not on the message. */
  readonly code: ErrorCode;
  /** The argument at fault (camelCase, dotted for nested fields), when the error is about input. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }

  /** Rebuilds an error that crossed the worker boundary. */
  static fromWire(e: { code: string; message: string; field?: string }): KspaceError {
    const code = (CODES.has(e.code) ? e.code : 'INTERNAL') as ErrorCode;
    return new KspaceError(code, e.message, e.field);
  }
}

export function invalid(message: string, field: string): KspaceError {
  return new KspaceError('INVALID_ARGUMENT', message, field);
}

/** An optional object argument: absent or null -> {}; anything but a plain object -> INVALID_ARGUMENT. */
export function objectArg<T>(value: T | undefined, field: string): Partial<T> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${field} must be an object`, field);
  return value;
}

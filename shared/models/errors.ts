// Stable error codes for pulls and GC: the CLI prints them as `{"error": code}` and the
// extension maps them to messages, so they are part of the interface (CONTRACT 5).
export type PullErrorCode =
  | 'invalid_args'
  | 'checksum_mismatch'
  | 'quota_exceeded'
  | 'size_limit'
  | 'admission_denied'
  | 'http_error'
  | 'network'
  | 'stalled'
  | 'no_space'
  | 'cancelled'
  | 'io_error';

export class PullError extends Error {
  constructor(
    readonly code: PullErrorCode,
    message: string,
    /** Extra facts for reports (`expected`, `actual`, `status`, ...). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'PullError';
  }
}

export type GcErrorCode = 'manifest_unreadable' | 'invalid_args' | 'unsafe_store';

export class GcError extends Error {
  constructor(
    readonly code: GcErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GcError';
  }
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

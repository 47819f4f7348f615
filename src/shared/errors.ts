/** Every failure the user can see carries a stable code, the file involved and what to do. */
export type ErrorCode =
  | 'FILE_UNREADABLE'
  | 'FILE_EMPTY'
  | 'FILE_TRUNCATED'
  | 'UNKNOWN_FORMAT'
  | 'DECODE_FAILED'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_EMPTY'
  | 'DICOM_NO_PIXEL_DATA'
  | 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX'
  | 'DICOM_BAD_VR'
  | 'DICOM_PIXEL_DATA_SHORT'
  | 'DICOM_INVALID'
  | 'BACKBONE_MISSING'
  | 'BACKBONE_INVALID'
  | 'MODEL_INVALID'
  | 'MODEL_NEWER_FORMAT'
  | 'MODEL_BACKBONE_MISMATCH'
  | 'TRAINING_SET_EMPTY'
  | 'DATASET_INVALID'
  | 'ANNOTATION_INVALID'
  | 'ANNOTATION_CONFLICT'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'DECODE_TIMEOUT'
  | 'OUTPUT_LOCKED'
  | 'WRITE_FAILED'
  | 'MESSAGE_INVALID'
  | 'BAD_ARGUMENT'
  | 'SETTING_INVALID'
  | 'WORKSPACE_UNTRUSTED'
  | 'NOT_LOCAL_FOLDER'
  | 'DEVICE_UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  file?: string;
  hint?: string;
}

export class AnomalyLensError extends Error implements ErrorInfo {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AnomalyLensError';
    this.code = code;
    this.file = opts.file;
    this.hint = opts.hint;
  }

  /** One line for logs and CLI output: "CODE file: message (hint)". */
  describe(): string {
    return describeError(this);
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, file: this.file, hint: this.hint };
  }

  /** The error an ErrorInfo describes (from another thread or process); `file` names it when the info does not. */
  static fromInfo(info: ErrorInfo, file?: string): AnomalyLensError {
    return new AnomalyLensError(info.code, info.message, { file: info.file ?? file, hint: info.hint });
  }

  /** The same error, now naming the file it came from. */
  withFile(file: string): AnomalyLensError {
    if (this.file) return this;
    return new AnomalyLensError(this.code, this.message, { file, hint: this.hint, cause: this.cause });
  }
}

export function describeError(e: ErrorInfo): string {
  const where = e.file ? ` ${e.file}:` : '';
  const hint = e.hint ? ` (${e.hint})` : '';
  return `${e.code}${where} ${e.message}${hint}`;
}

/** Normalise anything thrown into an ErrorInfo, keeping codes of our own errors. */
export function toErrorInfo(err: unknown, file?: string): ErrorInfo {
  if (err instanceof AnomalyLensError) return { ...err.toInfo(), file: err.file ?? file };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, file };
}

export function isCancelled(err: unknown): boolean {
  return err instanceof AnomalyLensError && err.code === 'CANCELLED';
}

/** Throws CANCELLED once `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AnomalyLensError('CANCELLED', 'cancelled by the user');
}

import { AnomalyLensError, type ErrorCode } from '../../../shared/errors';

/**
 * Every DICOM failure goes through here. Messages are built only from tag numbers, sizes and
 * UIDs of the transfer syntax — never from element values, which may identify the patient.
 */
export function dicomError(code: ErrorCode, message: string, file: string | undefined, hint?: string, cause?: unknown): AnomalyLensError {
  return new AnomalyLensError(code, message, { file, hint, cause: cause === undefined ? undefined : safeCause(cause) });
}

/** Keep a codec's or the parser's own message (they never carry element values) without its object graph. */
export function safeCause(cause: unknown): Error {
  if (cause instanceof AnomalyLensError) return cause;
  return new Error(describeThrown(cause));
}

/** dicom-parser throws strings, Errors, or `{ exception, dataSet }` objects. */
export function describeThrown(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'exception' in e) return describeThrown((e as { exception: unknown }).exception);
  if (typeof e === 'number') return `codec error ${e}`;
  return 'unknown error';
}

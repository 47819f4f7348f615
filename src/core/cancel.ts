import { AnomalyLensError } from '../shared/errors';
import type { RunContext } from './api';

/** Throws CANCELLED once the run's signal has been aborted. */
export function throwIfCancelled(ctx?: RunContext): void {
  if (ctx?.signal?.aborted) throw new AnomalyLensError('CANCELLED', 'cancelled by the user');
}

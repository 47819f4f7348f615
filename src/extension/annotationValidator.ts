/**
 * The Ajv-backed annotation validator (Ajv lives outside src/shared). Ajv is required on first
 * use, not at import, so extension activation does not pay for compiling the schema.
 */
import type AjvClass from 'ajv';
import { createAnnotationValidator, type AnnotationCheck } from '../shared/annotation';

let cached: ((data: unknown) => AnnotationCheck) | undefined;

export function annotationValidator(): (data: unknown) => AnnotationCheck {
  return (data) => {
    if (!cached) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require('ajv') as { default: typeof AjvClass };
      cached = createAnnotationValidator(new mod.default({ allErrors: true, strict: true }));
    }
    return cached(data);
  };
}

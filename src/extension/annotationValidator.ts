/** The Ajv-backed annotation validator (compiled once; Ajv lives outside src/shared). */
import Ajv from 'ajv';
import { createAnnotationValidator, type AnnotationCheck } from '../shared/annotation';

let cached: ((data: unknown) => AnnotationCheck) | undefined;

export function annotationValidator(): (data: unknown) => AnnotationCheck {
  cached ??= createAnnotationValidator(new Ajv({ allErrors: true, strict: true }));
  return cached;
}

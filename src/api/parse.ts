import type { z } from 'zod';
import { validationErrorFrom } from './problem.js';

/** Parses request input with a schema; a failure becomes a 400 naming every bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationErrorFrom(r.error);
  return r.data;
}

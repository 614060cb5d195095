/** Compatibility levels and which earlier schemas, in which direction, a new schema is checked against. */
import { FORMATS, type ParsedSchema } from './formats/index.ts';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export const MODES = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'] as const;
export type Mode = (typeof MODES)[number];
export const DEFAULT_MODE: Mode = 'READWRITE';

export function isCompatibilityLevel(value: string): value is CompatibilityLevel {
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

export function isMode(value: string): value is Mode {
  return (MODES as readonly string[]).includes(value);
}

/**
 * The reasons `candidate` may not follow `earlier` (oldest first, soft-deleted versions left out) under `level`;
 * empty when it may. Non-transitive levels check the latest only; BACKWARD: the candidate reads what earlier
 * schemas wrote; FORWARD: earlier schemas read what the candidate writes; FULL: both.
 */
export function compatibilityProblems(
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  earlier: { version: number; parsed: ParsedSchema }[],
): string[] {
  if (level === 'NONE' || earlier.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? earlier : earlier.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const { version, parsed } of [...against].reverse()) {
    if (parsed.schemaType !== candidate.schemaType) {
      problems.push(`version ${version}: the schema type changed from ${parsed.schemaType} to ${candidate.schemaType}`);
      continue;
    }
    const format = FORMATS[candidate.schemaType];
    if (backward) {
      for (const p of format.readerProblems(candidate, parsed)) problems.push(`version ${version}, BACKWARD: ${p}`);
    }
    if (forward) {
      for (const p of format.readerProblems(parsed, candidate)) problems.push(`version ${version}, FORWARD: ${p}`);
    }
  }
  return problems;
}

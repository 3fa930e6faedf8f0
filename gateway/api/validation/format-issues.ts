/**
 * zod issues → one client-facing line naming each field: `to: Required; digits: Too small…`.
 * `requiredMessages` is the per-parse error map that says "Required" for a missing field (zod 4
 * would say "Invalid input: expected string, received undefined").
 */
import type { z } from 'zod';

/** Pass as `schema.safeParse(value, requiredMessages)` so a missing field reads "Required". */
export const requiredMessages = {
  error: (issue: { code?: string; input?: unknown }) =>
    issue.input === undefined && issue.code !== 'custom' ? 'Required' : undefined,
} satisfies z.core.ParseContext<z.core.$ZodIssue>;

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

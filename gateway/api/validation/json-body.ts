/**
 * `jsonBody(schema)`: middleware that reads the request body as JSON, validates it with zod and
 * stores the parsed value as `c.get('body')`. Unparseable JSON → 400 "Invalid JSON body"; a
 * schema mismatch → 400 naming each field ("to: Required"). The Content-Type is not enforced
 * (curl users forget it); the body is what counts.
 */
import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { ApiError } from '../errors/api-error.ts';
import { formatIssues, requiredMessages } from './format-issues.ts';

export type JsonBodyEnv<T> = { Variables: { body: T } };

export function jsonBody<S extends z.ZodType>(schema: S) {
  return createMiddleware<JsonBodyEnv<z.output<S>>>(async (c, next) => {
    const text = await c.req.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'Invalid JSON body');
    }
    const parsed = schema.safeParse(value, requiredMessages);
    if (!parsed.success) throw new ApiError(400, formatIssues(parsed.error.issues));
    c.set('body', parsed.data);
    await next();
  });
}

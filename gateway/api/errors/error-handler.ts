/**
 * JSON errors for the whole app: `onError` maps ApiError, zod errors and Hono's HTTPException to
 * `{"message": …}` with their status; anything else is logged and answered 500 without details.
 * `notFound` answers unknown routes the same way.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { Logger } from '../../observability/index.ts';
import { ApiError } from './api-error.ts';
import { formatIssues } from '../validation/format-issues.ts';

export function errorHandler(logger: Logger): ErrorHandler {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) {
      // 503 is a state of the service (no trunk registered, shutting down), not a fault: a warning without a stack.
      if (err.status === 503) logger.warn({ path: c.req.path, status: 503 }, err.message);
      else if (err.status >= 500) logger.error({ err, path: c.req.path }, err.message);
      return c.json({ message: err.message }, err.status, { ...err.headers });
    }
    if (err instanceof z.ZodError) return c.json({ message: formatIssues(err.issues) }, 400);
    if (err instanceof HTTPException) return c.json({ message: err.message || 'Request failed' }, err.status);
    logger.error({ err, path: c.req.path }, 'unhandled HTTP error');
    return c.json({ message: 'Internal server error' }, 500);
  };
}

export const notFound: NotFoundHandler = (c) => c.json({ message: `Not found: ${c.req.method} ${c.req.path}` }, 404);

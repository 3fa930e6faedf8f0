/**
 * The bridge between CallControl failures and HTTP answers: `controlled(op)` runs a call-engine
 * operation and turns a CallControlError into the ApiError of the same status and message (the
 * error handler answers `{"message": …}`); anything else propagates (a logged 500).
 * `requireCall(control)` answers 404 "Call not found" before a per-call route reads its body.
 */
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors/api-error.ts';
import { CallControlError, type CallControl } from '../../calls/control/types.ts';

export const CALL_NOT_FOUND = 'Call not found';

/** A CallControlError as the ApiError that answers it; other values unchanged. */
export function toApiError(err: unknown): unknown {
  return err instanceof CallControlError ? new ApiError(err.status, err.message, { cause: err }) : err;
}

/** Runs `op`, rethrowing a CallControlError as its ApiError. */
export async function controlled<T>(op: () => T | Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw toApiError(err);
  }
}

/** Middleware for routes with a `:call_id` parameter: 404 unless the call is active. */
export function requireCall(control: Pick<CallControl, 'get'>) {
  return createMiddleware(async (c, next) => {
    if (!control.get(c.req.param('call_id') ?? '')) throw new ApiError(404, CALL_NOT_FOUND);
    await next();
  });
}

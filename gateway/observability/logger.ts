/** The pino logger factory: JSON lines to stdout, level from config, child loggers per component. */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { service: 'patchbay' } }, destination ?? process.stdout);
}

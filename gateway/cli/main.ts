/**
 * The `patchbay` command: `patchbay start [--config FILE]` runs the gateway (embedded demo
 * defaults without --config) until SIGINT/SIGTERM; a bad config exits 2 with one line.
 */
import { parseArgs } from 'node:util';
import { loadConfigFile, resolveConfig, demoConfig, ConfigError, DEMO_USERS, type Config } from '../config/index.ts';
import { Gateway } from './gateway.ts';

const USAGE = `usage: patchbay start [--config FILE]

  start            run the gateway (no --config: embedded demo defaults on 127.0.0.1)
  --config FILE    YAML (.yaml/.yml), TOML (.toml) or JSON config; PATCHBAY_* env vars override it
  --help           show this help`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`patchbay: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command = 'start'] = parsed.positionals;
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'start') {
    process.stderr.write(`patchbay: unknown command "${command}"\n${USAGE}\n`);
    return 2;
  }
  let config: Config;
  const demo = parsed.values.config === undefined;
  try {
    config = demo ? resolveConfig(demoConfig() as Record<string, unknown>) : loadConfigFile(parsed.values.config!);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`patchbay: config error: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
  const gateway = new Gateway(config);
  try {
    await gateway.start();
  } catch (err) {
    gateway.logger.fatal({ err }, 'failed to start');
    await gateway.stop();
    return 1;
  }
  if (demo) {
    const http = gateway.httpAddress!;
    process.stdout.write(
      `\nPatchbay demo is running on http://127.0.0.1:${http.port}/\n` +
        `Demo users (SIP over WebSocket at ws://127.0.0.1:${http.port}/sip, SIP at ${config.server?.listen}):\n` +
        DEMO_USERS.map((u) => `  ${u.username} / ${u.password}`).join('\n') +
        '\n\n',
    );
  }
  return new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      gateway.logger.info({ signal }, 'shutting down');
      gateway.stop().then(
        () => resolve(0),
        (err) => {
          gateway.logger.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

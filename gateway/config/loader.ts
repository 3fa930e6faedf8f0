/**
 * Loads the configuration: YAML (.yaml/.yml), TOML (.toml) or JSON (.json) chosen by file
 * extension, then PATCHBAY_* environment overrides (env wins), then validation against the one
 * schema. Every failure becomes a ConfigError naming the key path and the problem.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';
import { applyEnv } from './env.ts';
import { ConfigError, formatPath } from './errors.ts';

/** Parses file text by extension into a plain object. */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  const ext = extname(file).toLowerCase();
  let data: unknown;
  try {
    if (ext === '.yaml' || ext === '.yml') data = parseYaml(text) ?? {};
    else if (ext === '.toml') data = parseToml(text);
    else if (ext === '.json') data = JSON.parse(text);
    else throw new ConfigError('', `${file}: unsupported config file extension "${ext || '(none)'}" (use .yaml, .yml, .toml or .json)`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const detail = (err as Error).message.split('\n')[0];
    throw new ConfigError('', `${file}: not valid ${ext.slice(1).toUpperCase()}: ${detail}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError('', `${file}: the top level must be a mapping of keys`);
  }
  return data as Record<string, unknown>;
}

/** Turns the first zod issue into a ConfigError (with a count of the others). */
export function toConfigError(error: z.ZodError, sources: Map<string, string> = new Map()): ConfigError {
  const [first] = error.issues;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  if (!first) return new ConfigError('', 'invalid configuration');
  if (first.code === 'unrecognized_keys') {
    const keys = (first as { keys: string[] }).keys;
    const path = formatPath([...first.path, keys[0]!]);
    return new ConfigError(path, `unknown key${keys.length > 1 ? ` (also: ${keys.slice(1).join(', ')})` : ''}${more}`);
  }
  const path = formatPath(first.path);
  const fromEnv = sources.get(first.path.join('.'));
  let problem = first.message.replace(/^Invalid input: /, '');
  if (first.code === 'invalid_type' && /received undefined$/.test(first.message)) problem = 'is required';
  return new ConfigError(path, `${problem}${fromEnv ? ` (from ${fromEnv})` : ''}${more}`);
}

/** Validates a raw object (after env overrides) into the effective Config. */
export function resolveConfig(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Config {
  const { config, sources } = applyEnv(raw, configSchema, env);
  const result = configSchema.safeParse(config);
  if (!result.success) throw toConfigError(result.error, sources);
  return result.data;
}

/** Reads and validates a config file; throws ConfigError for unreadable or invalid files. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new ConfigError('', `cannot read config file ${file}: ${why}`);
  }
  return resolveConfig(parseConfigText(text, file), env);
}

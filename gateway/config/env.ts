/**
 * Environment overrides: every scalar config field can be set as `PATCHBAY_<PATH>` (path segments
 * joined by `_`, upper-case: `sip.host` → `PATCHBAY_SIP_HOST`), following the xbridge reference's
 * table with its prefix swapped. Array fields (trunks, server.peers, directory.users, codecs…) take
 * JSON. The names are derived by walking the zod schema, so they can never drift from it.
 */
import type { z } from 'zod';

/** xbridge names that don't follow the path rule. */
const ALIASES: Record<string, string[]> = { PATCHBAY_RATE_LIMIT_RPS: ['rate_limit', 'requests_per_second'] };

export type LeafKind = 'string' | 'number' | 'boolean' | 'json';

export interface EnvField {
  name: string;
  path: string[];
  kind: LeafKind;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  values?: unknown[];
}

const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function leafKind(s: z.ZodType): LeafKind {
  const d = def(s);
  switch (d.type) {
    case 'number':
    case 'int':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
    case 'record':
      return 'json';
    case 'union':
      return (d.options ?? []).every((o) => typeof def(o).values?.[0] === 'number') ? 'number' : 'string';
    case 'literal':
      return typeof d.values?.[0] === 'number' ? 'number' : 'string';
    default:
      return 'string';
  }
}

/** Lists every overridable field of the schema with its environment variable name. */
export function envFields(schema: z.ZodType, path: string[] = [], out: EnvField[] = []): EnvField[] {
  const d = def(schema);
  if (d.type === 'optional' || d.type === 'default' || d.type === 'prefault' || d.type === 'nullable') {
    return envFields(d.innerType!, path, out);
  }
  if (d.type === 'pipe') return envFields(d.in!, path, out);
  if (d.type === 'object') {
    for (const [key, child] of Object.entries(d.shape ?? {})) envFields(child, [...path, key], out);
    return out;
  }
  out.push({ name: `PATCHBAY_${path.join('_').toUpperCase()}`, path, kind: leafKind(schema) });
  return out;
}

function coerce(raw: string, kind: LeafKind): unknown {
  switch (kind) {
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(raw)) return true;
      if (/^(false|0|no|off)$/i.test(raw)) return false;
      return raw;
    case 'json':
      try {
        return JSON.parse(raw);
      } catch {
        // A plain comma list for arrays of strings (e.g. PATCHBAY_SERVER_PEERS_0… is not supported).
        return raw.split(',').map((s) => s.trim()).filter(Boolean);
      }
    default:
      return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Applies PATCHBAY_* variables onto a raw config object (mutates and returns it) and reports which
 * dotted paths came from which variable, so validation errors can name the variable.
 */
export function applyEnv(
  raw: Record<string, unknown>,
  schema: z.ZodType,
  env: NodeJS.ProcessEnv = process.env,
): { config: Record<string, unknown>; sources: Map<string, string> } {
  const sources = new Map<string, string>();
  const fields = envFields(schema);
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [alias, path] of Object.entries(ALIASES)) {
    const target = fields.find((f) => f.path.join('.') === path.join('.'));
    if (target) byName.set(alias, { ...target, name: alias });
  }
  for (const [name, field] of byName) {
    const value = env[name];
    if (value === undefined) continue;
    setPath(raw, field.path, coerce(value, field.kind));
    sources.set(field.path.join('.'), name);
  }
  return { config: raw, sources };
}

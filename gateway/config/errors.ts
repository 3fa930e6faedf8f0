/** Typed configuration error: names the key path (`server.peers[0].host`) and the problem. */

export class ConfigError extends Error {
  /** Dotted key path, or '' for the whole file. */
  readonly path: string;
  readonly problem: string;
  /** Process exit code for a bad configuration. */
  readonly exitCode = 2;
  constructor(path: string, problem: string) {
    super(path ? `${path}: ${problem}` : problem);
    this.name = 'ConfigError';
    this.path = path;
    this.problem = problem;
  }
}

/** Formats a zod issue path as `a.b[0].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Public face of gateway/config: schema, loader, env overrides, demo defaults, errors. */
export { configSchema, type Config, type ConfigInput, type TrunkConfig, type PeerConfig, type UserConfig, type RouteConfig } from './schema.ts';
export { loadConfigFile, resolveConfig, parseConfigText } from './loader.ts';
export { envFields, applyEnv } from './env.ts';
export { demoConfig, DEMO_USERS } from './defaults.ts';
export { ConfigError } from './errors.ts';
export { maskSecrets } from './mask.ts';
export { parseHostPort, formatHostPort, isIpOrCidr, parseStunServer, type HostPort } from './address.ts';
export { parseDuration } from './duration.ts';

import type { Config } from './schema.ts';

/**
 * The trunks to register: `trunks` when set, else the single `sip` block as trunk "default"
 * (the xbridge rule: when trunks is set, sip is ignored).
 */
export function effectiveTrunks(config: Config): Config['trunks'] & object {
  if (config.trunks && config.trunks.length > 0) return config.trunks;
  if (config.sip) return [{ name: 'default', ...config.sip }];
  return [];
}

/** Public face of gateway/calls/extensions: built-in endpoints (echo, tone) and their registry. */
export { ExtensionLeg, type ExtensionContext, type ExtensionLegStats } from './extension-leg.ts';
export { EchoLeg } from './echo.ts';
export { ToneLeg, type ToneLegOptions } from './tone.ts';
export { ExtensionRegistry, type ExtensionFactory } from './registry.ts';

/** Public face of gateway/cli. */
export { main } from './main.ts';
export { Gateway, type GatewayOptions } from './gateway.ts';

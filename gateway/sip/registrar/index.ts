/** Public face of gateway/sip/registrar: the registrar and its location service. */
export { Registrar, type RegistrarOptions, type RegistrationChange } from './registrar.ts';
export { LocationService, type Binding, type LocationStats } from './location.ts';

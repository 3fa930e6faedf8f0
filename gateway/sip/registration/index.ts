/** Public face of gateway/sip/registration: client registrations toward trunks/PBXs. */
export {
  TrunkRegistration,
  refreshDelayMs,
  type RegisterSender,
  type TrunkRegistrationEvents,
  type TrunkRegistrationOptions,
  type TrunkRegistrationState,
  type TrunkRegistrationStatus,
} from './trunk-registration.ts';

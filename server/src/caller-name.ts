import { propagation } from '@opentelemetry/api';

/** Longest name recorded on a span, and passed on to the greeter. */
export const MAX_NAME_LENGTH = 128;

/** The caller's name: the baggage entry `name` of the active context, or '' without one. */
export function callerName(): string {
  return propagation.getActiveBaggage()?.getEntry('name')?.value ?? '';
}

export { answerUnavailableOn, createHttpApp, type HttpApp, type HttpAppOptions } from './app';
export * from './errors';
export { ErrorResponse, errors, Nullable } from './schemas';
export type { ReadinessCheck } from './health';
export { runUntilSignalled, type Closer, type RunOptions } from './run';
export { Type, type Static } from '@sinclair/typebox';
export { expandIPv6 } from './ip-address';
export {
  BEARER_AUTH,
  type BearerGuardLevel,
  markBearerGuard,
  OPENAPI_VERSION,
  operationIdOf,
  withOperationIds,
} from './openapi';
export { labelRoute, ROUTE_TEMPLATE_HEADER } from './metrics';

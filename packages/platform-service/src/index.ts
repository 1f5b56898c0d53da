export {
  type CliArgs,
  type CliCommand,
  type CliOption,
  type CliPositional,
  CommandFailed,
  intFlag,
  progressReporter,
  runCli,
  UsageError,
} from './cli';
export { cannotStart } from './cannot-start';
export { type RoleConfig, roleConfig, type ServiceConfig, serviceConfig } from './config';
export {
  closeAll,
  closers,
  type OpenOptions,
  openServiceDatabase,
  openServiceDeps,
  readinessChecks,
  type ServiceDeps,
  startRelay,
  type Workers,
  warnIfTracingNotLoaded,
} from './deps';
export { lowerOwnPriority, runsWork, type ServiceRole, servesApi } from './role';
export { opsApp, type RunningService, type ServiceParts, type ServiceSpec, startService } from './start-service';
export { type PeriodicJob, type PeriodicOptions, runPeriodically } from './run-periodically';

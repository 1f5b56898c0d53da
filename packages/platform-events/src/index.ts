export * from './consumer';
export * from './dlq';
export * from './kafka';
export * from './metrics';
export * from './outbox';
export * from './relay';
export { outbox, processedEvents } from './schema';

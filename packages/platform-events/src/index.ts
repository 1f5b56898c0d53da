export * from './consumer';
export * from './kafka';
export * from './outbox';
export * from './relay';
export { outbox, processedEvents } from './schema';

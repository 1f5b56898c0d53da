export * from './codec';
export * from './envelope';
export * from './events';
export type { Static } from '@sinclair/typebox';

// For clients (API, worker, tools, tests): workflow functions to start by reference, names and types.
export { harvest } from './harvest.workflow';
export * from './definitions';
export type * from './activities';

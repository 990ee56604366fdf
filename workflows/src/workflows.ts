// The workflow bundle's entry: every function exported here is registered as a workflow type.
export { harvest } from './harvest.workflow';

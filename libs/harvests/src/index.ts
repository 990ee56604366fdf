export { startHarvest, temporalUiWorkflowUrl, WorkflowNotStartedError, type StartHarvestOptions, type StartedHarvest } from './start-harvest';
export { closeAbandonedRun, closeEndedRuns, closeRun, endedWorkflowStatus } from './ended-runs';
export { activeRunDeliveringTo, activeRunOf, activeRunsPlannedFor, isActiveRun } from './active-run';
export { isTemporalUnreachable, temporalRefusal } from './temporal-errors';

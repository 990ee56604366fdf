export { startHarvest, temporalUiWorkflowUrl, type StartHarvestOptions, type StartedHarvest } from './start-harvest';
export { closeAbandonedRun, closeEndedRuns, closeRun, endedWorkflowStatus } from './ended-runs';
export { activeRunDeliveringTo, activeRunOf, ACTIVE_RUN_STATUSES, isActiveRun } from './active-run';

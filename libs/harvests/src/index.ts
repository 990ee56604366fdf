export { startHarvest, temporalUiWorkflowUrl, type StartHarvestOptions, type StartedHarvest } from './start-harvest';
export { closeAbandonedRun, closeEndedRuns, endedWorkflowStatus } from './ended-runs';

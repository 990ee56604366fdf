export { startHarvest, temporalUiWorkflowUrl, type StartHarvestOptions, type StartedHarvest } from './start-harvest';

export {
  HOOK_KIND_PHASES,
  HOOK_KINDS,
  HOOK_PHASES,
  type HookConfigRow,
  type HookContext,
  type HookDecision,
  type HookFile,
  type HookKind,
  type HookPhase,
  type HookResult,
} from './types';
export {
  COMMAND_TIMEOUT_MS,
  HOOK_CONFIG_SCHEMAS,
  WEBHOOK_TIMEOUT_MS,
  type AccessHookConfig,
  type CommandHookConfig,
  type FilterHookConfig,
  type HookConfigs,
  type MetadataHookConfig,
  type WebhookHookConfig,
} from './schemas';
export { validateHookConfig, type HookConfigError, type HookConfigValidation } from './validate';
export { HookError } from './errors';
export { webhookSignature } from './webhook';
export { runHooks } from './run-hooks';
export { parseSealedHeaders, SEALED_HEADER_VALUE, withSealedValues } from './sealed-headers';

export { assertSchemaCurrent, createDataSource, migrate, ENTITIES, MIGRATIONS, type DataSourceOptions, type MigrateOptions } from './data-source';
export { changedRows } from './changed-rows';
export { UserEntity } from './entities/user.entity';
export { StorageLocationEntity, STORAGE_TYPES, type StorageType } from './entities/storage-location.entity';
export { InstrumentEntity, InstrumentDestinationEntity, SEALED_SOURCE_REMOTE, SOURCE_TYPES, type SourceType } from './entities/instrument.entity';
export { HarvestRunEntity, HARVEST_TRIGGERS, type HarvestTrigger } from './entities/harvest-run.entity';
export { ServiceAccountEntity } from './entities/service-account.entity';
export {
  ArkEntity,
  AuditEventEntity,
  FileDeliveryEntity,
  FileVersionEntity,
  HarvestBatchEntity,
  HookEntity,
  TransferEntity,
  FILE_STATUSES,
  HOOK_KINDS,
  HOOK_PHASES,
  type FileStatus,
} from './entities/catalogue.entities';
export { GroupEntity, GroupMemberEntity, ProjectEntity, ProjectMemberEntity, InstrumentGrantEntity } from './entities/access.entities';
export {
  ApiTokenEntity,
  HarvestRequestEntity,
  NotificationEntity,
  NotificationReceiptEntity,
  ScheduleEntity,
} from './entities/control-plane.entities';

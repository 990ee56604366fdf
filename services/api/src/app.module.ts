import { Module, type DynamicModule } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { API_CONFIG, type ApiConfig } from './config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { TemporalModule } from './temporal/temporal.module';
import { UsersModule } from './users/users.module';
import { GroupsModule } from './groups/groups.module';
import { ProjectsModule } from './projects/projects.module';
import { SecretsModule } from './secrets/secrets.module';
import { LocationsModule } from './locations/locations.module';
import { ServiceAccountsModule } from './service-accounts/service-accounts.module';
import { StorageLocationsModule } from './storage-locations/storage-locations.module';
import { InstrumentsModule } from './instruments/instruments.module';
import { HooksModule } from './hooks/hooks.module';
import { HarvestsModule } from './harvests/harvests.module';
import { FilesModule } from './files/files.module';
import { NotificationsModule } from './notifications/notifications.module';
import { SchedulesModule } from './schedules/schedules.module';
import { ArkModule } from './ark/ark.module';
import { ObservabilityModule } from './observability/observability.module';

@Module({})
export class AppModule {
  static forConfig(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule,
        TemporalModule,
        SecretsModule,
        AccessModule,
        AuditModule,
        LocationsModule,
        HealthModule,
        AuthModule,
        UsersModule,
        GroupsModule,
        ProjectsModule,
        ServiceAccountsModule,
        StorageLocationsModule,
        InstrumentsModule,
        HooksModule,
        HarvestsModule,
        FilesModule,
        NotificationsModule,
        SchedulesModule,
        ArkModule,
        ObservabilityModule,
      ],
      providers: [{ provide: API_CONFIG, useValue: config }],
      exports: [API_CONFIG],
    };
  }
}

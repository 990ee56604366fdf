import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertSchemaCurrent, createDataSource } from '@sheaf/db';
import { API_CONFIG, type ApiConfig } from '../config';

/** The shared TypeORM data source (schema owned by migrations; the API never synchronizes). */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [API_CONFIG],
      // statement_timeout on the API's pool only (API_STATEMENT_TIMEOUT_MS): a query past it is
      // cancelled and answered 503 query_timeout (ErrorFilter). /ready opens its own (HealthService).
      useFactory: async (config: ApiConfig) =>
        assertSchemaCurrent(
          await createDataSource({ url: config.databaseUrl, applicationName: 'sheaf-api', poolSize: config.databasePoolSize, statementTimeoutMs: config.statementTimeoutMs }).initialize(),
        ),
    },
  ],
  exports: [DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { API_CONFIG, type ApiConfig } from '../config';

/**
 * The Temporal client. The connection is lazy, so the API starts (and reports "not ready")
 * while Temporal is down, and reconnects when it returns.
 */
@Global()
@Module({
  providers: [
    {
      provide: Connection,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => Connection.lazy({ address: config.temporal.address }),
    },
    {
      provide: Client,
      inject: [Connection, API_CONFIG],
      useFactory: (connection: Connection, config: ApiConfig) => new Client({ connection, namespace: config.temporal.namespace }),
    },
  ],
  exports: [Connection, Client],
})
export class TemporalModule implements OnApplicationShutdown {
  constructor(@Inject(Connection) private readonly connection: Connection) {}

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

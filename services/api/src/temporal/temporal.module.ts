import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { API_CONFIG, type ApiConfig } from '../config';
import { TemporalCalls } from './temporal-calls';

/**
 * A second connection for readiness probes, without the client's gRPC retry interceptor: a
 * probe must answer now, and a retry timer left behind by a failed probe would outlive it.
 */
export class TemporalProbe {
  constructor(readonly connection: Connection) {}
}

/**
 * The Temporal client. Connections are lazy, so the API starts (and reports "not ready") while
 * Temporal is down, and reconnects when it returns.
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
    {
      provide: TemporalProbe,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => new TemporalProbe(Connection.lazy({ address: config.temporal.address, interceptors: [] })),
    },
    TemporalCalls,
  ],
  exports: [Connection, Client, TemporalProbe, TemporalCalls],
})
export class TemporalModule implements OnApplicationShutdown {
  constructor(
    @Inject(Connection) private readonly connection: Connection,
    @Inject(TemporalProbe) private readonly probe: TemporalProbe,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.connection.close(), this.probe.connection.close()]);
  }
}

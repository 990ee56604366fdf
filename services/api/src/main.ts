import { SwaggerModule } from '@nestjs/swagger';
import { loadApiConfig } from '@sheaf/config';
import { buildOpenApi, createApp } from './app.factory';
import { messageOf } from './common/error-message';
import { JsonLogger } from './observability/json-logger';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const app = await createApp(config, { logger: new JsonLogger(config.logLevel) });
  SwaggerModule.setup('api/docs', app, buildOpenApi(app));
  await app.listen(config.api.port, config.api.host);
  process.stdout.write(
    JSON.stringify({ time: new Date().toISOString(), level: 'info', context: 'main', msg: `sheaf api listening on http://${config.api.host}:${config.api.port} (docs at /api/docs)` }) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`sheaf api: ${messageOf(err)}\n`);
  process.exit(1);
});

import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Client } from 'pg';
import { createDataSource, migrate } from '@sheaf/db';
import { TEST_ADMIN_URL_VAR } from './env';

export interface TestDatabase {
  url: string;
  /** A data source on this database with every migration applied. */
  dataSource: DataSource;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env[TEST_ADMIN_URL_VAR];
  if (!url) {
    throw new Error(
      `${TEST_ADMIN_URL_VAR} is not set: run tests through the root jest config (npm test), whose global setup provisions PostgreSQL`,
    );
  }
  return url;
}

/** A fresh database, migrated with the real migrations, for one spec file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sheaf_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ url: url.toString(), applicationName: 'sheaf-test', poolSize: 5 });
  await dataSource.initialize();
  await migrate(dataSource);
  return {
    url: url.toString(),
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      const client = new Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

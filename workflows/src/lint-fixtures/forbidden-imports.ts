// Lint fixture (never built or bundled): every import below must be rejected in workflow code.
import { readFile } from 'node:fs';
import { join } from 'path';
import { DataSource } from 'typeorm';
import execa from 'execa';
import { createDataSource } from '@sheaf/db';

export const forbidden = [readFile, join, DataSource, execa, createDataSource];

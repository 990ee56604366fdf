// Lint fixture (never built): the portal must not import server code.
import { createDataSource } from '@sheaf/db';
import { harvest } from '@sheaf/workflows';
import { Client } from '@temporalio/client';

export const forbidden = [createDataSource, harvest, Client];

/** Set by the jest global setup: a superuser URL of the test run's PostgreSQL cluster. */
export const TEST_ADMIN_URL_VAR = 'SHEAF_TEST_ADMIN_DATABASE_URL';

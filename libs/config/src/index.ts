export { loadServerConfig, loadApiConfig, loadDatabasePoolSize, loadStackConfig, ConfigError, SERVER_ENVIRONMENT_VARIABLES, type ServerConfig, type ApiConfig, type StackConfig } from './config';

export { loadServerConfig, loadApiConfig, loadStackConfig, ConfigError, SERVER_ENVIRONMENT_VARIABLES, type ServerConfig, type ApiConfig, type StackConfig } from './config';

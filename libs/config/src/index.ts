export { loadServerConfig, loadApiConfig, loadStackConfig, ConfigError, type ServerConfig, type ApiConfig, type StackConfig } from './config';

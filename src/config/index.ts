/** The config layer's public API: load and validate a config file, and the helpers the CLI reuses. */

export { ConfigError } from './errors';
export { formatDuration, parseDuration } from './duration';
export { expectsAt, listExpectations, type Expectation } from './expects';
export { expandString } from './expand';
export { formatListen, parseListen } from './listen';
export { CONFIG_YAML_VARIABLE, describeLocation, loadConfig, loadConfigAt, parseConfigText, type ConfigLocation, type LoadedConfig, type ParseOptions } from './load';
export { loadConfigOffThread } from './offThread';
export { DEFAULTS, KNOWN_ENVIRONMENTS, RESERVED_LABEL_NAMES } from './schema';
export { formatByteSize, parseByteSize } from './size';
export { describeConfig } from './summary';
export type {
  AuthConfig,
  ConfigProblem,
  DiscoveryConfig,
  ExporterConfig,
  ListenAddress,
  TargetSpec,
  UpstreamConfig,
} from './types';

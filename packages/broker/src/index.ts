/** @samsa/broker: a single-node Kafka-compatible broker. */
export { Broker } from './broker.ts';
export {
  advertisedAddress,
  type BrokerConfig,
  BrokerConfigSchema,
  CONFIG_HELP,
  ConfigError,
  loadConfig,
} from './config.ts';
export { type LogProblem, type LogVerifyReport, verifyLogDir } from './log/verify-log-dir.ts';

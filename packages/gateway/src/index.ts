/** @samsa/gateway: gateway mode, a stateless Kafka-protocol proxy in front of an Apache Kafka cluster (issue 15). */
export { type Gateway, GatewayStartError, startGateway } from './gateway.ts';
export type { GatewayOptions } from './options.ts';
export { advertisedVersions } from './gateway-core.ts';

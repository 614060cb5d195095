/**
 * @samsa/cluster: every Kafka call the control plane makes (console, lag collector, CLI), over the Kafka protocol.
 * See README.md.
 */
export * from './namespace.ts';
export * from './connection.ts';
export * from './consumer-protocol.ts';
export * from './group-admin.ts';
export * from './errors.ts';
export * from './cluster-admin.ts';
export * from './tenant-clients.ts';
export * from './kafka-cluster-admin.ts';
export * from './scram-authzid.ts';
export * from './transaction-admin.ts';

/**
 * Managed mode (issue 15): Samsa's tenants reconciled onto an Apache Kafka cluster through the Admin API. See the
 * package README, "Managed Apache Kafka clusters".
 */
export * from './names.ts';
export * from './desired.ts';
export * from './plan.ts';
export { readActual } from './kafka-state.ts';
export * from './reconcile.ts';
export * from './desired-from-db.ts';
export * from './reconcile-from-db.ts';
export * from './probe.ts';

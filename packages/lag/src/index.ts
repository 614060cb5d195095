/**
 * @samsa/lag: consumer-lag monitoring. The collector reads groups over the Kafka protocol, the evaluator gives
 * Burrow-style statuses, the store keeps bounded history in Postgres, the notifier calls webhooks, and LagService
 * puts them together for the console. See README.md for the rules and the API.
 */
export * from './types.ts';
export * from './evaluate.ts';
export * from './time-lag.ts';
export * from './collector.ts';
export * from './store.ts';
export * from './history.ts';
export * from './tenants.ts';
export * from './webhook.ts';
export * from './webhook-destination.ts';
export * from './webhook-targets.ts';
export * from './prometheus.ts';
export * from './reset.ts';
export * from './service.ts';
export * from './config.ts';

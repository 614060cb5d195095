/**
 * @samsa/cluster: every Kafka call the control plane makes (console, lag collector, CLI), over the Kafka protocol.
 * See README.md.
 */
export * from './namespace.ts';

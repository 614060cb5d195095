/** @samsa/search: record matchers and the budgeted scan of a topic's partitions (see package.json). */
export * from './match.ts';
export * from './matchers.ts';
export * from './scan.ts';

/** Test support: a real `samsa schema-registry` process (kept in @samsa/test-support, shared with the processors). */
export * from '@samsa/test-support/registry-process';

/** The registry process helper lives in @samsa/test-support (the console's tests start one too). */
export * from '@samsa/test-support/registry-process';

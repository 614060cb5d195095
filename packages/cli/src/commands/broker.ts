/** `samsa broker`: runs the Kafka-compatible broker in the foreground until SIGTERM/SIGINT. */
import { Broker, CONFIG_HELP, ConfigError, loadConfig } from '@samsa/broker';
import type { Command } from './types.ts';

export const broker: Command = {
  summary: 'run the Kafka-compatible broker',
  help: `Usage: samsa broker [options]

Runs a single-node Kafka-compatible broker. Point any Kafka client at the advertised address.

${CONFIG_HELP}`,
  async run(argv) {
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig(argv, process.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`samsa broker: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
    const b = new Broker(config);
    try {
      await b.start();
    } catch (err) {
      b.logger.fatal({ err: (err as Error).message }, 'broker failed to start');
      return 1;
    }
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        b.logger.info({ signal }, 'shutdown requested');
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        b.stop().then(resolve, (err) => {
          b.logger.error({ err: (err as Error).message }, 'shutdown failed');
          resolve();
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    return 0;
  },
};

/** Entry point: configuration → database → services → server. Wiring only. */
import { ConfigError, readEnv } from './config';
import { createApp } from './app';
import { createLogger } from './logger';

async function main() {
  let cfg;
  try {
    cfg = readEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(cfg.logLevel);
  const app = createApp(cfg, { log });
  await app.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight turns');
    await app.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}

main().catch((err) => {
  console.error(`Mesa de Ayuda could not start: ${(err as Error).message}`);
  process.exit(1);
});

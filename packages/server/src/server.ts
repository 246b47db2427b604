/**
 * Runs the platform on a port, with graceful shutdown: on SIGTERM or SIGINT stop accepting,
 * let in-flight requests finish, close the store, exit 0. A second signal, or a shutdown that
 * takes longer than the grace period, exits at once with 1.
 */
import { buildApp, type Platform } from './app.ts';
import type { Config } from './config.ts';

const SHUTDOWN_GRACE_MS = 10_000;

export async function startServer(config: Config): Promise<Platform & { url: string }> {
  const platform = await buildApp({ config });
  const { app } = platform;
  const url = await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { url, environment: config.environment, store: platform.store.kind },
    `MIPTech AI Platform listening on ${url}`,
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    platform.startDraining();
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return { ...platform, url };
}

import { env } from "../env";
import { logger } from "../server/core/logger";

/**
 * Stop on SIGINT/SIGTERM within KEEL_SHUTDOWN_TIMEOUT_S. `stop` drains what it can (requests, jobs,
 * pools, the embedded server); when it has not finished in time (a database that is down, a request
 * or job that hangs) the process exits anyway, with status 1 so that a supervisor knows it was forced.
 * A second signal forces at once.
 */
export function stopOnSignals(stop: (graceMs: number) => Promise<void>, timeoutS = env.KEEL_SHUTDOWN_TIMEOUT_S): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, timeoutS }, "shutting down");
    const force = setTimeout(() => {
      logger.error({ timeoutS }, "shutdown did not finish in time; exiting anyway");
      process.exit(1);
    }, timeoutS * 1000);
    // the steps get about half the budget each before they cut what is in flight; the rest is slack
    stop(Math.max(100, (timeoutS * 1000) / 2)).then(
      () => {
        clearTimeout(force);
        logger.info("stopped");
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

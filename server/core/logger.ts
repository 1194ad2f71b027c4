import pino from "pino";
import { env } from "../../env";

/** JSON logs on stdout. Secrets never reach them: these paths are censored wherever they appear. */
const REDACT = [
  "password",
  "*.password",
  "token",
  "*.token",
  "key",
  "*.key",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers.cookie",
  "*.headers.authorization",
  "*.headers.cookie",
  "cookie",
  "url",
  "*.url",
];

/** A Keel logger writing JSON to `destination` (stdout by default), with secrets censored. */
export function createLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level,
      base: { app: "keel" },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

const g = globalThis as { __keelLogger?: pino.Logger };

g.__keelLogger ??= createLogger(env.NODE_ENV === "test" && env.LOG_LEVEL === "info" ? "silent" : env.LOG_LEVEL);

export const logger: pino.Logger = g.__keelLogger;

import path from "node:path";
import { z } from "zod";

/**
 * The only reader of process.env. Web, workers, CLI and tests share it.
 * Every variable is documented in README.md ("Configuration").
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  /** Postgres connection string; when absent Keel runs an embedded server under KEEL_DATA_DIR. */
  DATABASE_URL: z.url().optional(),
  KEEL_DATA_DIR: z.string().default(".keel"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Bind address. 127.0.0.1 for the two-command local trial; servers set HOST=0.0.0.0. */
  HOST: z.string().default("127.0.0.1"),
  /** Public origin (scheme://host[:port]) used for the cookie-mutation origin check; derived from Host when unset. */
  KEEL_PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Largest accepted request body in bytes (tRPC and /api/v1). */
  KEEL_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  KEEL_SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 14),
  /** A session unused this long ends, whatever its absolute lifetime (KEEL_SESSION_TTL_HOURS). */
  KEEL_SESSION_IDLE_HOURS: z.coerce.number().positive().default(24),
  /** Hours an invitation link stays valid. */
  KEEL_INVITATION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 7),
  /**
   * Outbound calls (webhooks, providers) to private ranges are refused unless listed here: CIDRs,
   * comma-separated (`10.0.0.0/8,127.0.0.0/8`). Loopback only when a loopback range is listed; link-local,
   * metadata and unspecified addresses never. Instance admins can add ranges in the console.
   */
  KEEL_EGRESS_ALLOW: z.string().default(""),
  /** Who may create projects: `anyone` signed in, or instance `admins` only. */
  KEEL_PROJECT_CREATION: z.enum(["anyone", "admins"]).default("anyone"),
  /** Deepest nesting accepted in any JSON body, upload or ingested event. */
  KEEL_JSON_MAX_DEPTH: z.coerce.number().int().min(8).max(10_000).default(128),
  /** When set, GET /api/metrics needs `Authorization: Bearer <token>`. */
  KEEL_METRICS_TOKEN: z.string().min(16).optional(),
  /**
   * 1 behind a TLS-terminating proxy: trust X-Forwarded-Proto/-For (Secure cookies, client addresses).
   */
  KEEL_TRUST_PROXY: z
    .enum(["0", "1"])
    .default("0")
    .transform((v) => v === "1"),
  /** Seconds a SIGTERM waits for requests and jobs in flight before the process exits anyway. */
  KEEL_SHUTDOWN_TIMEOUT_S: z.coerce.number().positive().max(600).default(10),
  /** Failed sign-ins allowed per email and per client address in a 15-minute window. */
  KEEL_LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  /**
   * Seconds a web process reuses a resolved API key. Writes in the same process (revoke, role change)
   * clear it at once; other processes see them within this time. 0 looks every key up every time.
   */
  /** The Python that runs the lora and full trainers (needs torch and transformers). */
  KEEL_PYTHON: z.string().min(1).default("python3"),
  KEEL_KEY_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /**
   * Milliseconds between a web process's syncs of gateway key limits (server/routing/key-limits.ts):
   * a limit may be overshot by what the other web processes admit in one interval.
   */
  KEEL_KEY_SYNC_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /**
   * Milliseconds the gateway's call logging gathers calls before one write (it never delays an
   * answer; a clean shutdown writes what waits). 0 writes each call at once.
   */
  KEEL_GATEWAY_LOG_LINGER_MS: z.coerce.number().int().min(0).max(5000).default(50),
  /** Ratings per minute through one public key (the rating widget), and per end user (id, else address). */
  KEEL_WIDGET_RATE_PER_KEY: z.coerce.number().int().positive().default(600),
  KEEL_WIDGET_RATE_PER_USER: z.coerce.number().int().positive().default(20),
  /** Ratings per minute from one client address through the widget (rotating end-user ids cannot lift it). */
  KEEL_WIDGET_RATE_PER_ADDRESS: z.coerce.number().int().positive().default(60),
  KEEL_WORKER_CONCURRENCY: z.coerce.number().int().positive().default(4),
  /** Set to 0 to start the web server without the in-process worker (`keel start`). */
  KEEL_START_WORKER: z
    .enum(["0", "1"])
    .default("1")
    .transform((v) => v === "1"),
  /** 1 (default, the two-command start): seed the demo project, print its credentials once. 0: production, no demo. */
  KEEL_DEMO: z
    .enum(["0", "1"])
    .default("1")
    .transform((v) => v === "1"),
  KEEL_DEMO_PASSWORD: z.string().min(8).optional(),
  /** Where the bundled transformers.js models live. */
  KEEL_MODELS_DIR: z.string().default("models"),
  /** 1: a model name that is not bundled may be a Hugging Face id, downloaded into <KEEL_DATA_DIR>/hf-cache. */
  KEEL_ALLOW_REMOTE_MODELS: z
    .enum(["0", "1"])
    .default("0")
    .transform((v) => v === "1"),
  /** Budget for loaded local models (estimated as the size of their ONNX files), MiB; least recently used go first. */
  KEEL_MODEL_CACHE_MB: z.coerce.number().positive().default(2048),
  CHROMIUM_PATH: z.string().default("/usr/bin/chromium"),
  /** Where artifact files (model versions, run artifacts) are kept, content-addressed; default <KEEL_DATA_DIR>/artifacts. */
  KEEL_ARTIFACTS_DIR: z.string().optional(),
  /**
   * `s3://bucket/prefix`: keep artifacts in an S3-compatible bucket instead (wins over KEEL_ARTIFACTS_DIR);
   * needs KEEL_S3_ACCESS_KEY_ID and KEEL_S3_SECRET_ACCESS_KEY. The SDK reads nothing from the
   * environment itself (no AWS_* variables, no ~/.aws files): these are all it gets.
   */
  KEEL_ARTIFACTS_URL: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\\]*)?$/, "must be s3://bucket or s3://bucket/prefix")
    .optional(),
  /** The S3 API's origin (MinIO, Ceph, R2, GCS interop...); unset: AWS's endpoint for KEEL_S3_REGION. */
  KEEL_S3_ENDPOINT: z.url().optional(),
  KEEL_S3_REGION: z.string().min(1).default("us-east-1"),
  KEEL_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  KEEL_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** 1: address the bucket as <endpoint>/<bucket> (MinIO, Ceph and most self-hosted servers) instead of <bucket>.<host>. */
  KEEL_S3_FORCE_PATH_STYLE: z
    .enum(["0", "1"])
    .default("0")
    .transform((v) => v === "1"),
  /**
   * Key for secrets stored in the database (provider API keys): 32 bytes as 64 hex characters or
   * base64. Unset: one is generated into <KEEL_DATA_DIR>/secret.key (mode 600) on first use.
   */
  KEEL_SECRET: z.string().min(32).optional(),
  /** Largest model-version or run artifact upload, in bytes (default 10 GiB). */
  KEEL_MAX_ARTIFACT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 1024 ** 3),
});

/** Rules across variables. An S3 store with no keys would fail on its first upload: refused at load instead. */
const checked = schema.superRefine((e, ctx) => {
  if (!e.KEEL_ARTIFACTS_URL) return;
  for (const k of ["KEEL_S3_ACCESS_KEY_ID", "KEEL_S3_SECRET_ACCESS_KEY"] as const)
    if (!e[k]) ctx.addIssue({ code: "custom", path: [k], message: "required when KEEL_ARTIFACTS_URL is set" });
});

export type Env = z.infer<typeof schema>;

function load(): Env {
  const parsed = checked.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

export const env: Env = load();

// Folders the operator names at run time, not files of the build: without the ignore comments `next build`
// reads these calls as file accesses it cannot bound and traces the whole project into the server output.
export const dataDir = (): string => path.resolve(/* turbopackIgnore: true */ env.KEEL_DATA_DIR);
export const artifactsDir = (): string =>
  path.resolve(/* turbopackIgnore: true */ env.KEEL_ARTIFACTS_DIR ?? path.join(/* turbopackIgnore: true */ dataDir(), "artifacts"));
export const modelsDir = (): string => path.resolve(/* turbopackIgnore: true */ env.KEEL_MODELS_DIR);

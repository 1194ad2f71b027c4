import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Database } from "../db/client";
import { USAGE } from "./usage";

// Every module a command needs is imported inside that command (`await import`), so that `keel --help`
// loads nothing but this file and the usage text, and `keel score` only the metrics. In the bundle
// (cli/build.mjs) each of those imports is a chunk of its own, loaded when the command runs.

/** The checkout (or installed package) root: the bundle pins import.meta.url to this file's own path. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A flag no command knows, or a flag without its value: a usage error (exit 2), as the commands' own are. */
function argsOrExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const message = (err as Error).message;
    if (process.argv.includes("--json")) console.log(JSON.stringify({ error: { code: "USAGE", message } }));
    else console.error(`keel: ${message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const ARGS = {
  allowPositionals: true,
  options: {
    json: { type: "boolean", default: false },
    email: { type: "string" },
    password: { type: "string" },
    name: { type: "string" },
    slug: { type: "string" },
    owner: { type: "string" },
    project: { type: "string" },
    as: { type: "string" },
    public: { type: "boolean", default: false },
    origin: { type: "string", multiple: true },
    help: { type: "boolean", short: "h", default: false },
    input: { type: "string" },
    output: { type: "string" },
    corpus: { type: "boolean", default: false },
    "keep-going": { type: "boolean", default: false },
    path: { type: "string" },
    "from-run": { type: "string" },
    alias: { type: "string" },
    reason: { type: "string" },
    to: { type: "string" },
    data: { type: "string" },
    "train-frac": { type: "string" },
    seed: { type: "string" },
    margin: { type: "string" },
    "scores-out": { type: "string" },
    embedding: { type: "string" },
    base: { type: "string" },
    method: { type: "string" },
    "text-field": { type: "string" },
    "label-field": { type: "string" },
    epochs: { type: "string" },
    "max-steps": { type: "string" },
    "from-logs": { type: "string" },
    tags: { type: "string" },
    rating: { type: "string" },
    "held-out": { type: "string" },
    "output-model": { type: "string" },
    wait: { type: "boolean", default: false },
    admin: { type: "boolean", default: false },
    off: { type: "boolean", default: false },
    "api-only": { type: "boolean", default: false },
    dataset: { type: "string" },
    "dataset-name": { type: "string" },
    target: { type: "string" },
    template: { type: "string" },
    "template-kind": { type: "string" },
    prompt: { type: "string" },
    scorer: { type: "string" },
    gate: { type: "string", multiple: true },
    baseline: { type: "string" },
    "max-cost": { type: "string" },
    scorers: { type: "string" },
    url: { type: "string" },
    key: { type: "string" },
    projects: { type: "string" },
    pool: { type: "string" },
    server: { type: "string" },
    token: { type: "string" },
    text: { type: "string" },
    file: { type: "string" },
    label: { type: "string", multiple: true },
    tag: { type: "string", multiple: true },
    version: { type: "string" },
    config: { type: "string" },
    rpm: { type: "string" },
    tpm: { type: "string" },
    budget: { type: "string" },
    "budget-period": { type: "string" },
    "budget-mode": { type: "string" },
    models: { type: "string" },
    expires: { type: "string" },
  },
} as const;
const { values: opts, positionals } = argsOrExit(() => parseArgs(ARGS));

const say = (human: string, data: unknown) => console.log(opts.json ? JSON.stringify(data) : human);

class UsageError extends Error {
  /** `showUsage`: print the usage text after the message (not for bad input data). */
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}
const need = (v: string | undefined, flag: string): string => {
  if (!v) throw new UsageError(`missing ${flag}`);
  return v;
};

interface Opened extends Database {
  shutdown: () => Promise<void>;
}

/** Resolve the database (DATABASE_URL or the embedded server), migrate it, open a pool. */
async function open(): Promise<Opened> {
  const [{ createDatabase, resolveDatabase }, { migrateDatabase }, { logger }] = await Promise.all([
    import("../db/client"),
    import("../db/migrate"),
    import("../server/core/logger"),
  ]);
  const { url, embedded } = await resolveDatabase((line) => logger.debug({ component: "postgres" }, line));
  await migrateDatabase(url);
  const database = createDatabase(url);
  return {
    ...database,
    shutdown: async () => {
      await database.close();
      await embedded?.stop(); // detach; the last one out stops the server (or hands it over)
    },
  };
}

async function withDb<T>(fn: (d: Opened) => Promise<T>): Promise<T> {
  const d = await open();
  try {
    return await fn(d);
  } finally {
    await d.shutdown();
  }
}

const FIRST_ADMIN = "npx keel users create --email you@example.com --password '...' --admin";

async function start() {
  const [{ createDatabase, resolveDatabase, schema }, { migrateDatabase }, { dataDir, env }, { logger }, { setRuntime }] =
    await Promise.all([
      import("../db/client"),
      import("../db/migrate"),
      import("../env"),
      import("../server/core/logger"),
      import("../server/core/runtime"),
    ]);
  const [{ flushIngest }, { listLocalModels }, { bootWorker }, { stopOnSignals }, { ensureBuilt, startWeb }] = await Promise.all([
    import("../server/logs"),
    import("../server/serving"),
    import("../workers/boot"),
    import("./lifecycle"),
    import("./web"),
  ]);
  const log = (m: string) => (opts.json ? logger.info(m) : console.log(m));
  if (!opts["api-only"]) ensureBuilt(log); // --api-only: the HTTP API alone, no console and no web build
  const { url, embedded } = await resolveDatabase(
    (line) => logger.debug({ component: "postgres" }, line),
    (line) => logger.warn({ component: "postgres" }, line),
  );
  await migrateDatabase(url);
  const database = createDatabase(url, { max: 20 });
  setRuntime(database);
  // KEEL_DEMO=0 (production): no demo project, no credentials; an empty instance says how to make its first admin
  const demo = env.KEEL_DEMO ? await (await import("./demo")).seed(database, ROOT) : null;
  const [anyUser] = demo ? [true] : await database.db.select({ id: schema.users.id }).from(schema.users).limit(1);
  const web = await startWeb({ port: env.PORT, host: env.HOST, ui: !opts["api-only"] });
  const worker = env.KEEL_START_WORKER ? await bootWorker(url) : null;
  const models = listLocalModels(path.resolve(ROOT, env.KEEL_MODELS_DIR));
  // localhost for the loopback and wildcard binds; a specific address is where the server is reached
  const local = ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost"].includes(env.HOST);
  const address = `http://${local ? "localhost" : env.HOST.includes(":") ? `[${env.HOST}]` : env.HOST}:${web.port}`;
  const login = !demo
    ? [anyUser ? "  demo: off (KEEL_DEMO=0)" : `  demo: off (KEEL_DEMO=0); no users yet: create the first admin with\n    ${FIRST_ADMIN}`]
    : demo.password !== null
      ? [
          `  demo login: ${demo.email} / ${demo.password}`,
          `  demo API key (project "demo"): ${demo.key ?? "(make one with: npx keel keys create --project demo)"}`,
          "  (shown this once and not stored: note them now)",
        ]
      : [`  demo login: ${demo.email} (password shown on the first start; a new one: npx keel users reset-password --email ${demo.email})`];
  say(
    [
      `Keel is running at ${address}`,
      `  database: ${embedded ? `embedded PostgreSQL (${path.join(dataDir(), "pg")})` : "DATABASE_URL"}`,
      ...login,
      `  local models: ${models.map((m) => `${m.id} (${m.task})`).join(", ") || "none"}`,
      `  worker: ${worker ? worker.workerId : "off (KEEL_START_WORKER=0)"}`,
    ].join("\n"),
    {
      url: address,
      port: web.port,
      demo: Boolean(demo),
      email: demo?.email ?? null,
      password: demo?.password ?? null,
      key: demo?.key ?? null,
      projectId: demo?.projectId ?? null,
      needsFirstAdmin: !anyUser,
      models: models.map((m) => m.id),
    },
  );
  if (demo) await (await import("./demo")).demoShown(database, demo);
  // bounded by KEEL_SHUTDOWN_TIMEOUT_S (exit 1 when forced), even with the database down
  stopOnSignals(async (graceMs) => {
    await web.stop(graceMs);
    await flushIngest().catch((err) => logger.error({ err }, "lingering gateway logs not written")); // gateway calls whose logging still lingers
    await worker?.stop(graceMs);
    await database.close();
    await embedded?.stop(); // the last one attached stops it; otherwise it is handed over
  });
}

async function worker() {
  if (opts.server || opts.token) return remoteWorker();
  const [{ bootWorker }, { stopOnSignals }] = await Promise.all([import("../workers/boot"), import("./lifecycle")]);
  const d = await open();
  const w = await bootWorker(d.url);
  say(`worker ${w.workerId} running; Ctrl-C stops it`, { workerId: w.workerId });
  stopOnSignals(async (graceMs) => {
    await w.stop(graceMs);
    await d.shutdown();
  });
}

/** `keel worker --server URL --token wk_...`: a tuning worker that talks to Keel's HTTP API only (no database, no shared disk). */
async function remoteWorker() {
  const server = need(opts.server, "--server URL");
  const token = need(opts.token, "--token wk_...");
  if (!/^https?:\/\/[^/]/.test(server)) throw new UsageError(`--server ${server}: give Keel's http:// or https:// URL`);
  if (!token.startsWith("wk_")) throw new UsageError("--token: give a worker token (wk_...; keel workers token create)");
  const [{ availableTrainers, httpPlane, startTuningAgent }, { stopOnSignals }] = await Promise.all([
    import("../server/tuning"),
    import("./lifecycle"),
  ]);
  const agent = await startTuningAgent({ plane: httpPlane({ server, token }), trainers: await availableTrainers(), name: opts.name });
  say(`remote worker ${agent.workerId} running against ${server}; Ctrl-C stops it`, { workerId: agent.workerId, server, remote: true });
  stopOnSignals(async () => {
    await agent.stop();
  });
}

/** `keel score`: streams JSONL from --input (or stdin) to --output (or stdout); no database needed. */
async function score() {
  // the evals domain's standalone entry, not its index: the index brings the database layers, which
  // a streaming scorer never uses and which cost every `keel score` about 0.4 s to load
  const [{ LineError, scoreJsonl }, { DomainError }] = await Promise.all([
    import("../server/evals/standalone"),
    import("../server/core/errors"),
  ]);
  const input = opts.input && opts.input !== "-" ? fs.createReadStream(opts.input) : process.stdin;
  const out = opts.output && opts.output !== "-" ? fs.createWriteStream(opts.output) : process.stdout;
  const write = (line: string) => (out.write(`${line}\n`) ? undefined : new Promise<void>((resolve) => out.once("drain", () => resolve())));
  try {
    const res = await scoreJsonl(input, write, { corpus: opts.corpus, keepGoing: opts["keep-going"] });
    if (res.errors) console.error(`keel score: ${res.errors} of ${res.lines + res.errors} lines had errors`);
  } catch (err) {
    if (err instanceof LineError) throw new DomainError("BAD_REQUEST", err.message); // bad data: exit 1
    throw err;
  } finally {
    if (out !== process.stdout) await new Promise<void>((resolve) => (out as fs.WriteStream).end(() => resolve()));
  }
}

/**
 * An artifact store that cannot be reached (an S3 endpoint down, a wrong bucket or key) stops `start`
 * and `worker` before anything runs, naming endpoint and bucket, rather than failing every upload later.
 */
async function checkArtifactStore(): Promise<void> {
  const [{ artifactStore }, { DomainError }] = await Promise.all([import("../server/core/artifacts"), import("../server/core/errors")]);
  try {
    await artifactStore().check();
  } catch (err) {
    throw new DomainError("SERVICE_UNAVAILABLE", `${(err as Error).message}; Keel does not start without its artifact store`);
  }
}

/** The full error in the log; where the logger itself cannot load (a bad environment), on stderr. */
async function logFailure(err: unknown): Promise<void> {
  try {
    (await import("../server/core/logger")).logger.error({ err }, "command failed");
  } catch {
    console.error(err);
  }
}

async function main() {
  const [cmd, sub, ...rest] = positionals;
  if (opts.help || !cmd) return console.log(USAGE);
  switch (
    `${cmd}${sub && ["users", "projects", "keys", "models", "router", "tune", "drift", "eval", "artifacts", "workers", "prompts"].includes(cmd) ? ` ${sub}` : ""}`
  ) {
    case "start":
      (await import("../server/core/egress")).egressPolicy(); // a bad KEEL_EGRESS_ALLOW stops the start, rather than every outbound call later
      await checkArtifactStore();
      return start();
    case "worker":
      (await import("../server/core/egress")).egressPolicy();
      await checkArtifactStore();
      return worker();
    case "migrate":
      return withDb(async () => say("migrations applied", { ok: true }));
    case "seed":
      return withDb(async (d) => {
        const { demoShown, seed } = await import("./demo");
        const r = await seed(d, ROOT);
        say(
          r.password !== null
            ? `demo project ${r.created ? "created" : "ready"}; login ${r.email} / ${r.password}, API key ${r.key ?? "none"} (shown this once)`
            : "demo project already exists",
          r,
        );
        await demoShown(d, r);
      });
    case `users ${sub}`: {
      const { usersCommand } = await import("./users");
      return withDb((d) => usersCommand(d, sub, rest, opts, say, need));
    }
    case `workers ${sub}`: {
      const { workersCommand } = await import("./workers");
      return withDb((d) => workersCommand(d, sub, rest, opts, say, need));
    }
    case "projects create":
      return withDb(async (d) => {
        const [{ DomainError }, { createProject, findUserByEmail, SYSTEM_ACTOR }] = await Promise.all([
          import("../server/core/errors"),
          import("../server/workspace"),
        ]);
        const name = need(rest[0] ?? positionals[2], "NAME");
        const ownerEmail = opts.owner ?? "demo@keel.local";
        const owner = await findUserByEmail(d.db, ownerEmail);
        if (!owner) throw new DomainError("NOT_FOUND", `No user with email ${ownerEmail}`, "owner");
        const p = await createProject(d.db, SYSTEM_ACTOR, { name, slug: opts.slug, ownerUserId: owner.id });
        say(`project ${p.slug} created (${p.id}), owner ${owner.email}`, p);
      });
    case "keys create":
      return withDb(async (d) => (await import("./keys")).keysCreate(d, opts, say));
    case "score":
      return score();
    case `models ${sub}`: {
      const { modelsCommand } = await import("./models");
      return withDb((d) => modelsCommand(d, sub, rest, opts, say));
    }
    case `tune ${sub}`: {
      const { tuneCommand } = await import("./tune");
      return withDb((d) => tuneCommand(d, sub, opts, say));
    }
    case `router ${sub}`:
      return (await import("./router")).routerCommand(sub, opts, say); // no database
    case `drift ${sub}`:
      return (await import("./drift")).driftCommand(sub, opts); // no database
    case `artifacts ${sub}`:
      return (await import("./artifacts")).artifactsCommand(sub, opts, say); // no database: blobs are named by their sha256
    case `eval ${sub}`: // the database only in local mode (not with --url)
      return (await import("./eval")).evalCommand(sub, opts, say, { withDb, usage: (m) => new UsageError(m, false) });
    case `prompts ${sub}`: // the database only in local mode (not with --url)
      return (await import("./prompts")).promptsCommand(sub, rest, opts, say, { withDb, usage: (m) => new UsageError(m, false) });
    default:
      throw new UsageError(`unknown command: ${positionals.join(" ")}`);
  }
}

main().catch(async (err) => {
  const { DomainError } = await import("../server/core/errors");
  const body =
    err instanceof DomainError
      ? { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) }
      : err instanceof UsageError
        ? { code: "USAGE", message: err.message }
        : { code: "ERROR", message: (err as Error)?.message ?? String(err) };
  if (opts.json) console.log(JSON.stringify({ error: body }));
  else console.error(`keel: ${body.message}${err instanceof UsageError && err.showUsage ? `\n\n${USAGE}` : ""}`);
  if (!(err instanceof DomainError) && !(err instanceof UsageError)) await logFailure(err);
  process.exit(err instanceof UsageError ? 2 : 1);
});

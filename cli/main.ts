import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { and, asc, eq } from "drizzle-orm";
import { createDatabase, type Database, resolveDatabase, schema } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { dataDir, env } from "../env";
import { DomainError } from "../server/core/errors";
import { logger } from "../server/core/logger";
import { setRuntime } from "../server/core/runtime";
import { seedDemoDrift } from "../server/drift";
import { LineError, scoreJsonl } from "../server/evals";
import { flushIngest, seedDemoViews } from "../server/logs";
import { registerBundled } from "../server/registry";
import { seedDemoRouting } from "../server/routing";
import { listLocalModels, seedDeployments } from "../server/serving";
import { createKey, createProject, createUser, findProjectBySlug, findUserByEmail, SYSTEM_ACTOR, seedDemo } from "../server/workspace";
import { bootWorker } from "../workers/boot";
import { DRIFT_USAGE, driftCommand } from "./drift";
import { MODELS_USAGE, modelsCommand } from "./models";
import { ROUTER_USAGE, routerCommand } from "./router";
import { TUNE_USAGE, tuneCommand } from "./tune";
import { ensureBuilt, ROOT, startWeb } from "./web";

const USAGE = `keel <command> [options]   (every command takes --json)

  start                         migrate, seed the demo on first start, serve the web app on PORT (3000) and run one worker
  worker                        run a worker (any number, on any machines sharing the database)
  migrate                       apply database migrations
  seed                          create the demo project if it is missing
  users create --email E --password P [--name N]
  projects create NAME [--slug S] [--owner EMAIL]
  keys create --project SLUG [--name N] [--as EMAIL] [--public --origin URL ...]
  score [--input FILE.jsonl] [--output FILE.jsonl] [--corpus] [--keep-going]
                                BLEU, chrF and ROUGE (sacrebleu / rouge-score semantics) over JSONL; stdin/stdout by default
${MODELS_USAGE}${ROUTER_USAGE}${TUNE_USAGE}${DRIFT_USAGE}`;

const { values: opts, positionals } = parseArgs({
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
  },
});

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
  const { url, embedded } = await resolveDatabase((line) => logger.debug({ component: "postgres" }, line));
  await migrateDatabase(url);
  const database = createDatabase(url);
  return {
    ...database,
    shutdown: async () => {
      await database.close();
      if (embedded?.owner) await embedded.stop();
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

const credentialsFile = () => path.join(dataDir(), "demo-credentials.json");

/** The demo login lives in the data dir (mode 600) so that every start can print it again. */
async function seed(d: Database) {
  const file = credentialsFile();
  const saved = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, "utf8")) as { email: string; password: string; key?: string })
    : null;
  const password = saved?.password ?? env.KEEL_DEMO_PASSWORD ?? randomBytes(9).toString("base64url");
  const res = await seedDemo(d.db, { password });
  // the bundled models as registry versions (idempotent: also for data dirs seeded before the registry)
  await registerBundled(d.db, SYSTEM_ACTOR, res.projectId, path.resolve(ROOT, env.KEEL_MODELS_DIR));
  await seedDeployments(d.db, SYSTEM_ACTOR, res.projectId);
  // a learned router trained from rated demo calls (idempotent); the demo works without it, so a failure only warns
  await seedDemoRouting(d.db, SYSTEM_ACTOR, res.projectId).catch((err) => logger.warn({ err }, "demo router not seeded"));
  // a saved view of the calls the demo rubric rated well: launch a tuning job from it (Tuning > Launch > Saved logs view)
  await seedDemoViews(d.db, SYSTEM_ACTOR, res.projectId);
  // a drift monitor over seeded gateway traffic with a shift in its last day (idempotent)
  await seedDemoDrift(d.db, SYSTEM_ACTOR, res.projectId).catch((err) => logger.warn({ err }, "demo drift monitor not seeded"));
  if (res.created || !saved) {
    fs.mkdirSync(dataDir(), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ email: res.email, password, key: res.key ?? saved?.key ?? null }, null, 2), { mode: 0o600 });
  }
  const creds = JSON.parse(fs.readFileSync(file, "utf8")) as { email: string; password: string; key: string | null };
  return { ...res, password: creds.password, key: creds.key };
}

async function start() {
  const log = (m: string) => (opts.json ? logger.info(m) : console.log(m));
  ensureBuilt(log);
  const { url, embedded } = await resolveDatabase((line) => logger.debug({ component: "postgres" }, line));
  await migrateDatabase(url);
  const database = createDatabase(url, { max: 20 });
  setRuntime(database);
  const demo = await seed(database);
  const web = await startWeb({ port: env.PORT, host: env.HOST });
  const worker = env.KEEL_START_WORKER ? await bootWorker(url) : null;
  const models = listLocalModels(path.resolve(ROOT, env.KEEL_MODELS_DIR));
  const address = `http://localhost:${web.port}`;
  say(
    [
      `Keel is running at ${address}`,
      `  database: ${embedded ? `embedded PostgreSQL (${path.join(dataDir(), "pg")})` : "DATABASE_URL"}`,
      `  demo login: ${demo.email} / ${demo.password}`,
      `  demo API key (project "demo"): ${demo.key ?? "(created earlier; make another with: npx keel keys create --project demo)"}`,
      `  local models: ${models.map((m) => `${m.id} (${m.task})`).join(", ") || "none"}`,
      `  worker: ${worker ? worker.workerId : "off (KEEL_START_WORKER=0)"}`,
    ].join("\n"),
    {
      url: address,
      port: web.port,
      email: demo.email,
      password: demo.password,
      key: demo.key,
      projectId: demo.projectId,
      models: models.map((m) => m.id),
    },
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await web.stop();
    await flushIngest(); // gateway calls whose logging still lingers
    await worker?.stop();
    await database.close();
    if (embedded?.owner) await embedded.stop();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

async function worker() {
  const d = await open();
  const w = await bootWorker(d.url);
  say(`worker ${w.workerId} running; Ctrl-C stops it`, { workerId: w.workerId });
  const stop = async () => {
    await w.stop();
    await d.shutdown();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

async function keysCreate(d: Database) {
  const slug = need(opts.project, "--project SLUG");
  const project = await findProjectBySlug(d.db, slug);
  if (!project) throw new DomainError("NOT_FOUND", `No project with slug ${slug}`, "project");
  const m = schema.memberships;
  // A key acts with a member's rights: --as EMAIL, else the project's first owner.
  const asUser = opts.as ? await findUserByEmail(d.db, opts.as) : null;
  if (opts.as && !asUser) throw new DomainError("NOT_FOUND", `No user with email ${opts.as}`, "as");
  const [member] = await d.db
    .select({ userId: m.userId, role: m.role })
    .from(m)
    .where(and(eq(m.projectId, project.id), asUser ? eq(m.userId, asUser.id) : eq(m.role, "owner")))
    .orderBy(asc(m.createdAt))
    .limit(1);
  if (!member) throw new DomainError("NOT_FOUND", opts.as ? `${opts.as} is not a member of ${slug}` : `${slug} has no owner`, "as");
  const res = await createKey(
    d.db,
    { userId: member.userId, keyId: null },
    { projectId: project.id, role: member.role },
    { name: opts.name ?? (opts.public ? "public key" : "cli key"), kind: opts.public ? "public" : "secret", origins: opts.origin },
  );
  say(`${res.key}\n(shown once: store it now)`, {
    key: res.key,
    id: res.view.id,
    kind: res.view.kind,
    role: res.view.role,
    origins: res.view.origins,
  });
}

/** `keel score`: streams JSONL from --input (or stdin) to --output (or stdout); no database needed. */
async function score() {
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

async function main() {
  const [cmd, sub, ...rest] = positionals;
  if (opts.help || !cmd) return console.log(USAGE);
  switch (`${cmd}${sub && ["users", "projects", "keys", "models", "router", "tune", "drift"].includes(cmd) ? ` ${sub}` : ""}`) {
    case "start":
      return start();
    case "worker":
      return worker();
    case "migrate":
      return withDb(async () => say("migrations applied", { ok: true }));
    case "seed":
      return withDb(async (d) => {
        const r = await seed(d);
        say(r.created ? `demo project created; login ${r.email} / ${r.password}` : "demo project already exists", r);
      });
    case "users create":
      return withDb(async (d) => {
        const u = await createUser(d.db, SYSTEM_ACTOR, {
          email: need(opts.email, "--email"),
          password: need(opts.password, "--password"),
          name: opts.name,
        });
        say(`user ${u.email} created (${u.id})`, u);
      });
    case "projects create":
      return withDb(async (d) => {
        const name = need(rest[0] ?? positionals[2], "NAME");
        const ownerEmail = opts.owner ?? "demo@keel.local";
        const owner = await findUserByEmail(d.db, ownerEmail);
        if (!owner) throw new DomainError("NOT_FOUND", `No user with email ${ownerEmail}`, "owner");
        const p = await createProject(d.db, SYSTEM_ACTOR, { name, slug: opts.slug, ownerUserId: owner.id });
        say(`project ${p.slug} created (${p.id}), owner ${owner.email}`, p);
      });
    case "keys create":
      return withDb(keysCreate);
    case "score":
      return score();
    case `models ${sub}`:
      return withDb((d) => modelsCommand(d, sub, rest, opts, say));
    case `tune ${sub}`:
      return withDb((d) => tuneCommand(d, sub, opts, say));
    case `router ${sub}`:
      return routerCommand(sub, opts, say); // no database
    case `drift ${sub}`:
      return driftCommand(sub, opts); // no database
    default:
      throw new UsageError(`unknown command: ${positionals.join(" ")}`);
  }
}

main().catch((err) => {
  const body =
    err instanceof DomainError
      ? { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) }
      : err instanceof UsageError
        ? { code: "USAGE", message: err.message }
        : { code: "ERROR", message: (err as Error)?.message ?? String(err) };
  if (opts.json) console.log(JSON.stringify({ error: body }));
  else console.error(`keel: ${body.message}${err instanceof UsageError && err.showUsage ? `\n\n${USAGE}` : ""}`);
  if (!(err instanceof DomainError) && !(err instanceof UsageError)) logger.error({ err }, "command failed");
  process.exit(err instanceof UsageError ? 2 : 1);
});

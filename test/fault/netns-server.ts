import path from "node:path";
import { createDatabase } from "../../db/client";
import { ensureEmbedded } from "../../db/embedded";
import { migrateDatabase } from "../../db/migrate";
import { addVersion, parseDataset } from "../../server/datasets";
import { registerBundled } from "../../server/registry";
import { createWorkerToken } from "../../server/tuning";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { makeKey, makeProject } from "../factories/workspace";

/**
 * The database side of the namespace test, run inside namespace A (`ip netns exec A node --import tsx
 * netns-server.ts DATA_DIR`): an embedded PostgreSQL listening on A's loopback only, migrated and seeded
 * (a project with the bundled models and a small labelled dataset, an engineer's API key, a `wk_` token
 * for every project). Prints one JSON line, then runs until SIGTERM, when it stops PostgreSQL.
 * No job queue runs in namespace A: `keel start` with KEEL_START_WORKER=0 runs none, and a dead
 * remote worker's job must be requeued by the remote workers' own claims (server/tuning/remote.ts).
 */
const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: netns-server.ts DATA_DIR");

const pg = await ensureEmbedded({ dataDir });
await migrateDatabase(pg.url);
const database = createDatabase(pg.url, { max: 2 });
const { project, owner } = await makeProject(database.db);
await registerBundled(database.db, SYSTEM_ACTOR, project.id, path.resolve(import.meta.dirname, "../../models"));
const rows = ["good", "great", "lovely", "fine", "bad", "awful", "poor", "dull"].flatMap((word, i) =>
  ["train", "train", "train", "test"].map((split, k) =>
    JSON.stringify({ input: `${word} movie ${k}`, references: [i < 4 ? "positive" : "negative"], metadata: { split } }),
  ),
);
await addVersion(database.db, SYSTEM_ACTOR, project.id, "words", parseDataset(Buffer.from(rows.join("\n")), "jsonl"), {
  kind: "upload",
  format: "jsonl",
  filename: "words.jsonl",
});
const { key } = await makeKey(database.db, project.id, owner.user.id, "engineer");
const { token } = await createWorkerToken(database.db, SYSTEM_ACTOR, { name: "netns" });
const port = Number(new URL(pg.url).port);
console.log(JSON.stringify({ databaseUrl: pg.url, pgPort: port, projectId: project.id, key, token }));

process.once("SIGTERM", () => {
  void (async () => {
    await database.close().catch(() => {});
    await pg.stop().catch(() => {});
    process.exit(0);
  })();
});

import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../db/client";
import { makeKey, makeProject } from "../factories/workspace";
import { type Keel, killQuietly, ownDatabase, sleep, spawnKeel } from "./processes";

/**
 * `kill -9` of the web process under ingest load: every event the API acknowledged (201 in its 207
 * answer) is stored, by id. Events in flight when it died may or may not be stored; none acknowledged
 * may be lost.
 */
let db: { url: string; drop: () => Promise<void> };
let database: Database;
let keel: Keel | undefined;
let key: string;
let projectId: string;
beforeAll(async () => {
  db = await ownDatabase();
  database = createDatabase(db.url, { max: 2 });
  const p = await makeProject(database.db);
  projectId = p.project.id;
  key = (await makeKey(database.db, projectId, p.owner.user.id, "owner")).key;
});
afterAll(async () => {
  killQuietly(keel?.child);
  await database?.close();
  await db?.drop();
});

const CLIENTS = 6;
const BATCH = 50;

describe("web process killed under ingest load", () => {
  it("loses none of the events it acknowledged", async () => {
    keel = await spawnKeel(["start", "--api-only"], { DATABASE_URL: db.url, KEEL_START_WORKER: "0" }, "url");
    const url = keel.ready.url as string;
    const acked: string[] = [];
    let sent = 0;
    let running = true;
    const client = async (c: number) => {
      for (let n = 0; running; n++) {
        const ids = Array.from({ length: BATCH }, (_, i) => `fault-${c}-${n}-${i}`);
        const batch = ids.map((id) => ({ type: "trace", id, body: { name: "load", input: "q", output: "a" } }));
        sent += BATCH;
        try {
          const res = await fetch(`${url}/api/v1/ingest`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ batch }),
          });
          if (res.status !== 207) continue;
          const { results } = (await res.json()) as { results: { id: string; status: number }[] };
          for (const r of results) if (r.status === 201) acked.push(r.id);
        } catch {
          return; // the process is gone
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    // load until a few thousand events are acknowledged, then kill it mid-stream
    const until = Date.now() + 30_000;
    while (acked.length < 3_000 && Date.now() < until) await sleep(50);
    keel.child.kill("SIGKILL");
    await keel.exited;
    running = false;
    await Promise.all(clients);

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const stored = new Set(
        (await sql<{ id: string }[]>`SELECT id FROM traces WHERE project_id = ${projectId} AND id = ANY(${acked})`).map((r) => r.id),
      );
      const [{ n: total } = { n: 0 }] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM traces WHERE project_id = ${projectId}`;
      const lost = acked.filter((id) => !stored.has(id));
      console.log(`[fault] web kill -9: ${sent} sent, ${acked.length} acknowledged, ${total} stored, ${lost.length} acknowledged but lost`);
      expect(acked.length).toBeGreaterThan(1_000);
      expect(lost).toEqual([]);
      expect(total).toBeGreaterThanOrEqual(acked.length);
    } finally {
      await sql.end();
    }
  });
});

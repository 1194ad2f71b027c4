import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { artifactStore, setArtifactStore } from "../../server/core/artifacts";
import { LocalArtifactStore } from "../../server/core/artifacts-local";
import { handleV1 } from "../../server/http/v1";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { type Fault, faultyProxy, STORE_KINDS, useStore } from "../helpers/s3";

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

const MODEL_DIR = path.resolve("models/tiny-bert-sentiment");
const bundled = () =>
  fs
    .readdirSync(MODEL_DIR, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(MODEL_DIR, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
const sha = (buf: Buffer) => createHash("sha256").update(buf).digest("hex");
const api = (p2: string, init: Parameters<typeof req>[1] = {}) => handleV1(req(`/api/v1/registry${p2}`, { key, ...init }));
const body = async (res: Response) =>
  (await res.json()) as Record<string, unknown> & { error: { code: string; message: string; field?: string } };
const tmpFiles = () => {
  const dir = artifactStore().tmpDir;
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

function form(files: { path: string; bytes: Buffer; sha?: string }[], meta?: unknown) {
  const f = new FormData();
  for (const x of files) f.append("file", new Blob([new Uint8Array(x.bytes)]), x.path);
  for (const x of files) if (x.sha) f.append("sha256", x.sha);
  if (meta) f.append("meta", JSON.stringify(meta));
  return f;
}

// the same suite against the local folder and an S3-compatible server, each in a project of its own
describe.each(STORE_KINDS)("model registry over HTTP (%s store)", (kind) => {
  const { s3 } = useStore(kind);
  // a local store of this file's own: the integration project's KEEL_ARTIFACTS_DIR is shared by every
  // test process, so its tmp/ holds other files' uploads in flight, and "nothing left staged" can't be read there
  let shared: ReturnType<typeof setArtifactStore> | undefined;
  let own: string | undefined;
  afterAll(() => {
    if (kind !== "local" || !own) return;
    setArtifactStore(shared);
    fs.rmSync(own, { recursive: true, force: true });
  });
  beforeAll(async () => {
    if (kind === "local") {
      own = fs.mkdtempSync(path.join(os.tmpdir(), "keel-registry-test-"));
      shared = setArtifactStore(new LocalArtifactStore(own));
    }
    p = await makeProject(d.db);
    key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  });

  it("registers a transformers.js folder as multipart, streams each file back byte for byte, and refuses a duplicate name", async () => {
    expect((await api("/models", { method: "POST", json: { name: "sentiment", task: "text-classification" } })).status).toBe(201);
    const dup = await api("/models", { method: "POST", json: { name: "sentiment" } });
    expect(dup.status).toBe(409);
    expect((await body(dup)).error).toMatchObject({ code: "CONFLICT", field: "name" });

    const files = bundled().map((p2) => {
      const bytes = fs.readFileSync(path.join(MODEL_DIR, p2));
      return { path: p2, bytes, sha: sha(bytes) };
    });
    const res = await api("/models/sentiment/versions", {
      method: "POST",
      body: form(files, { description: "bundled", params: { lr: "0.01" }, metrics: { acc: 0.91 }, lineage: { codeRevision: "abc123" } }),
    });
    expect(res.status).toBe(201);
    const v = await body(res);
    expect(v).toMatchObject({ version: 1, status: "ready", format: "transformers.js", fileCount: files.length, codeRevision: "abc123" });

    const listed = await body(await api("/models/sentiment/versions/1/artifacts"));
    expect((listed.files as { path: string }[]).map((f) => f.path)).toEqual(files.map((f) => f.path));
    for (const f of files) {
      const dl = await api(`/models/sentiment/versions/1/artifacts/${f.path}`);
      expect(dl.status).toBe(200);
      expect(dl.headers.get("x-content-sha256")).toBe(f.sha);
      expect(sha(Buffer.from(await dl.arrayBuffer()))).toBe(f.sha);
      // the bytes live where the block says: the bucket for "s3"
      if (kind === "s3") expect(await s3().store().has(f.sha)).toBe(true);
    }
    const missing = await api("/models/sentiment/versions/1/artifacts/nope.bin");
    expect(missing.status).toBe(404);
    expect((await api("/models/sentiment/versions/9")).status).toBe(404);
    expect((await api("/models/nobody/versions/1")).status).toBe(404);
  });

  it("keeps nothing when a declared sha256 differs or the upload is cut off", async () => {
    await api("/models", { method: "POST", json: { name: "strict" } });
    const a = Buffer.from("weights A");
    const b = Buffer.from("weights B");
    const res = await api("/models/strict/versions", {
      method: "POST",
      body: form([
        { path: "a.bin", bytes: a, sha: sha(a) },
        { path: "b.bin", bytes: b, sha: sha(a) },
      ]),
    });
    expect(res.status).toBe(400);
    const err = (await body(res)).error;
    expect(err.field).toBe("sha256.1");
    expect(err.message).toContain(`file b.bin: declared sha256 ${sha(a)} but the bytes received hash to ${sha(b)}`);
    expect(tmpFiles()).toEqual([]);

    // a body that dies half way through a file part
    const boundary = "----keelcut";
    const enc = new TextEncoder();
    const cut = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`));
        c.enqueue(new Uint8Array(64 * 1024).fill(7));
        c.error(new Error("connection reset"));
      },
    });
    const cutRes = await handleV1(
      new Request("http://keel.test/api/v1/registry/models/strict/versions", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": `multipart/form-data; boundary=${boundary}` },
        body: cut,
        duplex: "half",
      } as RequestInit),
    );
    expect(cutRes.status).toBeGreaterThanOrEqual(400);
    expect(tmpFiles()).toEqual([]);

    const bad = await api("/models/strict/versions", { method: "POST", body: form([{ path: "../escape", bytes: a }]) });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error.field).toBe("file.0");
    const inf = await api("/models/strict/versions", {
      method: "POST",
      body: '{"uri":"s3://bucket/m","metrics":{"loss":1e999}}',
      headers: { "content-type": "application/json" },
    });
    expect(inf.status).toBe(400);
    // refused by the JSON rule (server/core/json-guard.ts) before the schema sees it; either way it names the metric
    expect((await body(inf)).error.message).toMatch(/metric loss must be a finite number|metrics\.loss/);
    // the multipart meta part follows the same rule, naming the field inside it
    const metaForm = form([{ path: "a.bin", bytes: a }]);
    metaForm.append("meta", '{"params":{"lr":"0.1\\u0000"}}');
    const nul = await api("/models/strict/versions", { method: "POST", body: metaForm });
    expect(nul.status).toBe(400);
    expect((await body(nul)).error).toMatchObject({ field: "meta", message: expect.stringContaining("meta.params.lr: contains a NUL") });

    const [m] = await d.db
      .select()
      .from(schema.registeredModels)
      .where(and(eq(schema.registeredModels.projectId, p.project.id), eq(schema.registeredModels.name, "strict")));
    expect(m?.latestVersion).toBe(0);
    expect(
      await d.db
        .select()
        .from(schema.modelVersions)
        .where(eq(schema.modelVersions.modelId, m?.id as string)),
    ).toEqual([]);
  });

  // declared for the S3 store only (a fault of the S3 client; the local store has no such path)
  if (kind === "s3")
    it("an S3 store failing mid-upload: the request fails with nothing registered; a passing failure is retried", async () => {
      await api("/models", { method: "POST", json: { name: "flaky" } });
      const bytes = Buffer.from(`weights ${Date.now()}`);
      let mode: "cut" | "once" = "cut";
      const puts: Fault[] = [];
      const proxy = await faultyProxy(s3().endpoint, (method) => {
        if (method !== "PUT") return null;
        const f: Fault = mode === "cut" ? "reset" : puts.includes(503) ? null : 503;
        puts.push(f);
        return f;
      });
      const prev = setArtifactStore(s3().store({ endpoint: proxy.endpoint }));
      try {
        const res = await api("/models/flaky/versions", { method: "POST", body: form([{ path: "w.bin", bytes, sha: sha(bytes) }]) });
        expect(res.status).toBe(503);
        expect(puts).toEqual(["reset", "reset", "reset"]); // the SDK tried three times
        expect(tmpFiles()).toEqual([]);
        expect(await s3().store().has(sha(bytes))).toBe(false);
        expect(await body(await api("/models/flaky"))).toMatchObject({ latestVersion: 0 });

        mode = "once";
        puts.length = 0;
        const ok = await api("/models/flaky/versions", { method: "POST", body: form([{ path: "w.bin", bytes, sha: sha(bytes) }]) });
        expect(ok.status).toBe(201);
        expect(puts).toEqual([503, null]); // refused once, retried by the SDK
        const dl = await api("/models/flaky/versions/1/artifacts/w.bin");
        expect(Buffer.from(await dl.arrayBuffer()).equals(bytes)).toBe(true);
      } finally {
        setArtifactStore(prev);
        await proxy.close();
      }
    });

  it("moves aliases with history, resolves them, rolls back, and keeps another project's models out of reach", async () => {
    await api("/models", { method: "POST", json: { name: "gen" } });
    for (const uri of ["s3://b/gen/1", "s3://b/gen/2"])
      expect((await api("/models/gen/versions", { method: "POST", json: { uri } })).status).toBe(201);
    const move = (version: number, reason?: string) => api("/models/gen/aliases/production", { method: "PUT", json: { version, reason } });
    expect(await body(await move(1, "first"))).toMatchObject({ status: "moved", version: 1, previous: null });
    expect(await body(await move(2, "better"))).toMatchObject({ status: "moved", version: 2, previous: 1 });
    expect(await body(await move(2))).toMatchObject({ status: "unchanged" });
    expect(await body(await api("/models/gen/aliases/production"))).toMatchObject({ version: 2, aliases: ["production"] });
    expect(await body(await api("/models/gen/versions/production/artifacts"))).toMatchObject({ version: 2, files: [] });

    const back = await api("/models/gen/aliases/production/rollback", { method: "POST", json: { reason: "regression" } });
    expect(await body(back)).toMatchObject({ status: "moved", version: 1, previous: 2 });
    const hist = await body(await api("/models/gen/aliases/production/history"));
    expect(
      (hist.items as { kind: string; from: number | null; to: number; reason: string }[]).map((h) => [h.kind, h.from, h.to, h.reason]),
    ).toEqual([
      ["rollback", 2, 1, "regression"],
      ["move", 1, 2, "better"],
      ["move", null, 1, "first"],
    ]);
    expect((await api("/models/gen/aliases/staging")).status).toBe(404);
    expect((await move(7)).status).toBe(404);

    // the alias move emitted webhook-ready events only where webhooks exist: none here, so no deliveries
    expect(await d.db.select().from(schema.webhookDeliveries)).toEqual([]);

    const other = await makeProject(d.db);
    const otherKey = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
    expect((await handleV1(req("/api/v1/registry/models/gen", { key: otherKey }))).status).toBe(404);
    const viewer = await makeMember(d.db, p.project.id, "viewer");
    const asViewer = callerFor(d.db, viewer.principal);
    await expect(
      asViewer.registry.aliases.move({ projectId: p.project.id, model: "gen", alias: "production", version: 2 }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect((await asViewer.registry.models.list({ projectId: p.project.id })).items.map((m) => m.name)).toContain("gen");
  });
});

describe("lineage ids are checked within the project", () => {
  /** A tuning job row of `proj` (as the tuning domain would write it), on a fresh base model and dataset. */
  async function tuningJobOf(proj: Awaited<ReturnType<typeof makeProject>>, projKey: string) {
    const caller = callerFor(d.db, proj.owner.principal);
    const P = { projectId: proj.project.id };
    await caller.registry.models.create({ ...P, name: "lineage-base" });
    const base = await caller.registry.versions.createFromUri({ ...P, model: "lineage-base", uri: "s3://m/base" });
    const up = await handleV1(
      req(`/api/v1/projects/${proj.project.slug}/datasets/lineage-data/versions?format=jsonl`, {
        method: "POST",
        key: projKey,
        body: `${JSON.stringify({ input: "a", references: ["x"], label: "x" })}\n`,
      }),
    );
    const dv = (await up.json()) as { id: string };
    expect(dv).toMatchObject({ id: expect.any(String) });
    const [job] = await d.db
      .insert(schema.tuningJobs)
      .values({
        projectId: proj.project.id,
        number: 1,
        method: "head",
        baseVersionId: base.id,
        datasetVersionId: dv.id,
        outputModel: "lineage-out",
        hyperparameters: {},
        resources: {} as never,
        fields: { text: "text", label: "label" },
      })
      .returning({ id: schema.tuningJobs.id });
    return job?.id as string;
  }

  it("refuses a tuningJobId of another project or of no job (404 naming lineage.tuningJobId) and keeps one of this project", async () => {
    const other = await makeProject(d.db);
    const otherKey = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
    const foreign = await tuningJobOf(other, otherKey);
    const own = await tuningJobOf(p, key);
    const owner = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    await owner.registry.models.create({ ...P, name: "lineage-check" });
    for (const tuningJobId of [foreign, "00000000-0000-4000-8000-000000000000"]) {
      await expect(
        owner.registry.versions.createFromUri({ ...P, model: "lineage-check", uri: "s3://m/x", lineage: { tuningJobId } }),
      ).rejects.toMatchObject({ code: "NOT_FOUND", cause: { field: "lineage.tuningJobId" } });
    }
    // the same over HTTP: a 404 naming the field, and no version written
    const res = await api("/models/lineage-check/versions", {
      method: "POST",
      json: { uri: "s3://m/x", lineage: { tuningJobId: foreign } },
    });
    expect(res.status).toBe(404);
    expect((await body(res)).error).toMatchObject({ field: "lineage.tuningJobId" });
    const v = await owner.registry.versions.createFromUri({ ...P, model: "lineage-check", uri: "s3://m/y", lineage: { tuningJobId: own } });
    expect(v).toMatchObject({ version: 1, tuningJobId: own });
  });
});

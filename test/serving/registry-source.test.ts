import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDir } from "../../env";
import { registerLocal, versionFiles } from "../../server/registry";
import { embed, modelCacheDir, runOnnx, sourceFromVersion, unloadModels } from "../../server/serving";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";
import { STORE_KINDS, useStore } from "../helpers/s3";

let t: TestDatabase;
let projectId: string;
let actor: { userId: string; keyId: null };

beforeAll(async () => {
  t = await freshDatabase();
  const { project, owner } = await makeProject(t.db);
  projectId = project.id;
  actor = { userId: owner.user.id, keyId: null };
});

afterAll(async () => {
  await unloadModels();
  await t.drop();
});

// serving reads a version's files from the artifact store: a folder, or S3 (downloaded, hash-checked)
describe.each(STORE_KINDS)("a registry version served from the %s store", (kind) => {
  const { s3 } = useStore(kind);
  beforeAll(async () => {
    const { project, owner } = await makeProject(t.db);
    projectId = project.id;
    actor = { userId: owner.user.id, keyId: null };
  });

  it("materializes a version from the artifact store and loads it", async () => {
    const v = await registerLocal(t.db, actor, projectId, "embedder", { path: path.join(modelsDir(), "tiny-bert-embed") });
    const source = await sourceFromVersion(t.db, projectId, "embedder", v.version);
    expect(source).toMatchObject({ kind: "version", key: `version:${v.id}`, format: "transformers.js" });
    expect(source.location).toBe(path.join(modelCacheDir(), v.id));
    expect(fs.existsSync(path.join(source.location, "onnx", "model.onnx"))).toBe(true);
    expect(fs.readdirSync(modelCacheDir()).some((d) => d.startsWith(`.tmp-${v.id}`))).toBe(false);

    const fromVersion = await embed(source, ["a registered model"]);
    const bundled = await embed("tiny-bert-embed", ["a registered model"]);
    expect(fromVersion.vectors[0]).toEqual(bundled.vectors[0]);

    // a second resolve reuses the folder (and the loaded pipeline)
    const again = await sourceFromVersion(t.db, projectId, "embedder", v.version);
    expect(again.location).toBe(source.location);
    if (kind === "s3") {
      // the files came from the bucket: every one is there, and none is a hard link into a local store
      for (const f of await versionFiles(t.db, v.id)) expect(await s3().store().has(f.sha256)).toBe(true);
      expect(fs.statSync(path.join(source.location, "onnx", "model.onnx")).nlink).toBe(1);
    }
  });
});

describe("models from registry versions", () => {
  it("an unknown model or version is a 404", async () => {
    await expect(sourceFromVersion(t.db, projectId, "nope", 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(sourceFromVersion(t.db, projectId, "embedder", "staging")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("runs a raw ONNX graph with its declared input schema", async () => {
    const inputSchema = { inputs: [{ name: "input", type: "float32", shape: [-1, 4] }], outputs: [{ name: "output", shape: [-1, 2] }] };
    const v = await registerLocal(t.db, actor, projectId, "linear", {
      path: path.join(import.meta.dirname, "..", "fixtures", "onnx", "linear.onnx"),
      meta: { metadata: { inputSchema } },
    });
    expect(v.format).toBe("onnx");
    const source = await sourceFromVersion(t.db, projectId, "linear", v.version);
    expect(source.inputSchema).toEqual(inputSchema);
    const r = await runOnnx(source, {
      input: [
        [1, 0, 0, 0],
        [1, 2, 3, 4],
      ],
    });
    // output = input · W + b, W and b as in test/fixtures/onnx/make-linear.ts
    expect(r.outputs.output).toEqual([
      [1.5, -1.5],
      [1.5, 11.5],
    ]);
    expect(r.dims.output).toEqual([2, 2]);
    await expect(runOnnx(source, { input: [[1, 2, 3]] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(runOnnx(source, { wrong: [[1, 2, 3, 4]] })).rejects.toThrow(/missing input input/);
    await expect(runOnnx("tiny-gpt2", { input: [[1]] })).rejects.toThrow(/not a raw ONNX graph/);
  });
});

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../server/http/dispatch";
import { handleV1 } from "../../server/http/v1";
import { makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

/** Request bodies as the MLflow Python client (2.x) sends them, with ids filled in. */
const recorded = (name: string, fill: Record<string, string> = {}) => {
  let text = fs.readFileSync(path.resolve("test/fixtures/mlflow-registry", `${name}.json`), "utf8");
  for (const [k, v] of Object.entries(fill)) text = text.replaceAll(k, v);
  return text;
};
const call = async (method: string, endpoint: string, body?: string) => {
  const res = await dispatch(
    req(`/api/2.0/mlflow${endpoint}`, { method, key, body, headers: body ? { "content-type": "application/json" } : undefined }),
  );
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};

describe("MLflow model registry endpoints", () => {
  it("registers a model, turns a run's logged model into a version, aliases it and serves it back", async () => {
    const created = await call("POST", "/registered-models/create", recorded("create-registered-model"));
    expect(created.status).toBe(200);
    expect(created.json.registered_model).toMatchObject({
      name: "churn-classifier",
      description: "Predicts churn",
      tags: [{ key: "team", value: "growth" }],
    });
    const dup = await call("POST", "/registered-models/create", recorded("create-registered-model"));
    expect(dup).toMatchObject({ status: 400, json: { error_code: "RESOURCE_ALREADY_EXISTS" } });

    // a run logs its model files through the artifact proxy, as mlflow.log_model does
    const run = (await call("POST", "/runs/create", recorded("create-run"))).json.run.info;
    const weights = Buffer.from("pretend these are weights");
    for (const [file, bytes] of [
      ["model/MLmodel", Buffer.from("flavors: {}\n")],
      ["model/model.onnx", weights],
      ["metrics.json", Buffer.from("{}")],
    ] as const) {
      const put = await dispatch(
        req(`/api/2.0/mlflow-artifacts/artifacts/${run.experiment_id}/${run.run_id}/artifacts/${file}`, {
          method: "PUT",
          key,
          body: bytes,
        }),
      );
      expect(put.status).toBe(200);
    }
    const mv = await call(
      "POST",
      "/model-versions/create",
      recorded("create-model-version", { EXPERIMENT_ID: run.experiment_id, RUN_ID: run.run_id }),
    );
    expect(mv.status).toBe(200);
    expect(mv.json.model_version).toMatchObject({
      name: "churn-classifier",
      version: "1",
      run_id: run.run_id,
      status: "READY",
      current_stage: "None",
    });

    // the version holds exactly the run's model/ folder, and Keel's own API downloads it
    const files = await handleV1(req("/api/v1/registry/models/churn-classifier/versions/1/artifacts", { key }));
    expect(((await files.json()) as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(["MLmodel", "model.onnx"]);
    const dl = await handleV1(req("/api/v1/registry/models/churn-classifier/versions/1/artifacts/model.onnx", { key }));
    expect(Buffer.from(await dl.arrayBuffer()).equals(weights)).toBe(true);

    expect((await call("POST", "/registered-models/alias", recorded("set-alias"))).status).toBe(200);
    const byAlias = await call("GET", "/registered-models/alias?name=churn-classifier&alias=champion");
    expect(byAlias.json.model_version).toMatchObject({ version: "1", aliases: ["champion"] });
    const got = await call("GET", "/registered-models/get?name=churn-classifier");
    expect(got.json.registered_model).toMatchObject({
      aliases: [{ alias: "champion", version: "1" }],
      latest_versions: [{ version: "1" }],
    });
    const search = await call("GET", `/registered-models/search?filter=${encodeURIComponent("name LIKE '%churn%'")}&max_results=10`);
    expect(search.json.registered_models.map((m: { name: string }) => m.name)).toEqual(["churn-classifier"]);
    const versions = await call("GET", `/model-versions/search?filter=${encodeURIComponent("name='churn-classifier'")}`);
    expect(versions.json.model_versions).toHaveLength(1);

    // Keel's own API turns the whole run into a version, keeping its lineage
    const fromRun = await handleV1(
      req("/api/v1/registry/models/churn-classifier/versions", { method: "POST", key, json: { runId: run.run_id } }),
    );
    expect(fromRun.status).toBe(201);
    expect(await fromRun.json()).toMatchObject({ version: 2, runId: run.run_id, fileCount: 3, source: { kind: "run", runId: run.run_id } });
    const lineage = await handleV1(req("/api/v1/registry/models/churn-classifier/versions/2/lineage", { key }));
    expect(((await lineage.json()) as { nodes: { kind: string; label: string }[] }).nodes).toContainEqual(
      expect.objectContaining({ kind: "run", label: "run sassy-owl-42" }),
    );

    // an external source stays a URI
    const ext = await call("POST", "/model-versions/create", JSON.stringify({ name: "churn-classifier", source: "s3://bucket/churn/2" }));
    expect(ext.json.model_version).toMatchObject({ version: "3", source: "s3://bucket/churn/2" });
  });

  it("answers MLflow's error codes", async () => {
    expect(await call("GET", "/registered-models/get?name=nope")).toMatchObject({
      status: 404,
      json: { error_code: "RESOURCE_DOES_NOT_EXIST" },
    });
    expect(await call("GET", "/model-versions/get?name=churn-classifier&version=99")).toMatchObject({ status: 404 });
    expect(await call("GET", "/model-versions/get?name=churn-classifier")).toMatchObject({
      status: 400,
      json: { error_code: "INVALID_PARAMETER_VALUE", message: "Missing value for required parameter 'version'." },
    });
    expect(await call("GET", "/registered-models/alias?name=churn-classifier&alias=ghost")).toMatchObject({ status: 404 });
    expect((await call("GET", `/registered-models/search?filter=${encodeURIComponent("tags.x = 'y'")}`)).status).toBe(400);
  });
});

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../server/http/dispatch";
import { makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let key: string;
let viewerKey: string;
let otherKey: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "engineer")).key;
  viewerKey = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
  const other = await makeProject(d.db);
  otherKey = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

const FIXTURES = path.join(import.meta.dirname, "../fixtures/mlflow");
/** A recorded request body with {{placeholders}} filled in. */
function fixture(name: string, vars: Record<string, string> = {}): Record<string, unknown> {
  const text = fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8").replace(/\{\{(\w+)\}\}/g, (_, k: string) => vars[k] ?? "");
  return JSON.parse(text) as Record<string, unknown>;
}

/** response bodies, checked field by field */
type Json = Record<string, any>;
async function post(endpoint: string, body: unknown, k = key): Promise<{ status: number; body: Json }> {
  const res = await dispatch(req(`/api/2.0/mlflow/${endpoint}`, { method: "POST", key: k, json: body }));
  return { status: res.status, body: (await res.json()) as Json };
}
async function get(endpoint: string, query: Record<string, unknown>, k = key): Promise<{ status: number; body: Json }> {
  const qs = new URLSearchParams(Object.entries(query).map(([a, b]) => [a, String(b)]));
  const res = await dispatch(req(`/api/2.0/mlflow/${endpoint}?${qs}`, { key: k }));
  return { status: res.status, body: (await res.json()) as Json };
}

describe("MLflow tracking API with the Python client's requests", () => {
  let experimentId: string;
  let runId: string;

  it("experiments: create, get, get-by-name, search, update, tag, delete, restore", async () => {
    const created = await post("experiments/create", fixture("experiments-create"));
    expect(created.status).toBe(200);
    experimentId = created.body.experiment_id;
    const dup = await post("experiments/create", { name: "iris-sweep" });
    expect(dup).toMatchObject({ status: 400, body: { error_code: "RESOURCE_ALREADY_EXISTS" } });

    const got = await get("experiments/get", { experiment_id: experimentId });
    expect(got.body.experiment).toEqual({
      experiment_id: experimentId,
      name: "iris-sweep",
      artifact_location: `mlflow-artifacts:/${experimentId}`,
      lifecycle_stage: "active",
      last_update_time: expect.any(Number),
      creation_time: expect.any(Number),
      tags: [{ key: "team", value: "vision" }],
    });
    expect((await get("experiments/get-by-name", { experiment_name: "iris-sweep" })).body.experiment.experiment_id).toBe(experimentId);
    const missing = await get("experiments/get-by-name", { experiment_name: "nope" });
    expect(missing).toMatchObject({ status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST" } });

    await post("experiments/create", { name: "other-exp" });
    const search = await post("experiments/search", { max_results: 1, filter: "name LIKE 'iris%'" });
    expect(search.body.experiments.map((e: Json) => e.name)).toEqual(["iris-sweep"]);
    const viaGet = await get("experiments/search", { max_results: 10 });
    expect(viaGet.body.experiments.map((e: Json) => e.name).sort()).toEqual(["iris-sweep", "other-exp"]);
    const paged = await post("experiments/search", { max_results: 1 });
    expect(paged.body.next_page_token).toEqual(expect.any(String));
    const page2 = await post("experiments/search", { max_results: 1, page_token: paged.body.next_page_token });
    expect(page2.body.experiments).toHaveLength(1);
    expect(page2.body.experiments[0].name).not.toBe(paged.body.experiments[0].name);

    const other = (await get("experiments/get-by-name", { experiment_name: "other-exp" })).body.experiment.experiment_id;
    expect((await post("experiments/update", { experiment_id: other, new_name: "renamed-exp" })).body).toEqual({});
    expect((await post("experiments/set-experiment-tag", { experiment_id: other, key: "k", value: "v" })).status).toBe(200);
    expect((await post("experiments/delete", { experiment_id: other })).status).toBe(200);
    expect((await get("experiments/get", { experiment_id: other })).body.experiment).toMatchObject({
      name: "renamed-exp",
      lifecycle_stage: "deleted",
      tags: [{ key: "k", value: "v" }],
    });
    const deleted = await post("experiments/search", { view_type: "DELETED_ONLY" });
    expect(deleted.body.experiments.map((e: Json) => e.name)).toEqual(["renamed-exp"]);
    await post("experiments/restore", { experiment_id: other });
    expect((await get("experiments/get", { experiment_id: other })).body.experiment.lifecycle_stage).toBe("active");
  });

  it("runs: create, log-batch, log-metric, log-parameter, set-tag, log-inputs, get, update", async () => {
    const created = await post("runs/create", fixture("runs-create", { experiment_id: experimentId }));
    expect(created.status).toBe(200);
    const run = created.body.run;
    runId = run.info.run_id;
    expect(run.info).toEqual({
      run_id: runId,
      run_uuid: runId,
      run_name: "sunny-wren-42",
      experiment_id: experimentId,
      user_id: "alice",
      status: "RUNNING",
      start_time: 1716200000123,
      artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
      lifecycle_stage: "active",
    });
    expect(run.data.tags).toContainEqual({ key: "mlflow.runName", value: "sunny-wren-42" });
    expect(run.data.tags).toContainEqual({ key: "mlflow.user", value: "alice" });

    const vars = { run_id: runId, experiment_id: experimentId };
    for (const [endpoint, name] of [
      ["runs/log-batch", "runs-log-batch"],
      ["runs/log-metric", "runs-log-metric"],
      ["runs/log-parameter", "runs-log-parameter"],
      ["runs/set-tag", "runs-set-tag"],
      ["runs/log-inputs", "runs-log-inputs"],
    ] as const) {
      const res = await post(endpoint, fixture(name, vars));
      expect([endpoint, res.status, res.body]).toEqual([endpoint, 200, {}]);
    }

    const got = (await get("runs/get", { run_id: runId, run_uuid: runId })).body.run;
    expect(got.data.metrics).toEqual([
      { key: "accuracy", value: 0.71, timestamp: 1716200003000, step: 2 },
      { key: "loss", value: 0.33, timestamp: 1716200003000, step: 2 },
      { key: "val_loss", value: 0.42, timestamp: 1716200004000, step: 2 },
    ]);
    expect(Object.fromEntries(got.data.params.map((p: Json) => [p.key, p.value]))).toEqual({
      learning_rate: "0.01",
      epochs: "3",
      optimizer: "adam",
      batch_size: "32",
    });
    expect(got.data.tags).toContainEqual({ key: "stage", value: "candidate" });
    expect(got.inputs).toEqual({});

    const updated = await post("runs/update", fixture("runs-update", vars));
    expect(updated.body.run_info).toMatchObject({ status: "FINISHED", end_time: 1716200009000, run_name: "sunny-wren-42" });
  });

  it("metrics/get-history over GET with query parameters, paged", async () => {
    const h = await get("metrics/get-history", fixture("metrics-get-history.query", { run_id: runId }));
    expect(h.status).toBe(200);
    expect(h.body).toEqual({
      metrics: [
        { key: "loss", value: 0.91, timestamp: 1716200001000, step: 0 },
        { key: "loss", value: 0.52, timestamp: 1716200002000, step: 1 },
        { key: "loss", value: 0.33, timestamp: 1716200003000, step: 2 },
      ],
    });
    const p1 = await get("metrics/get-history", { run_id: runId, metric_key: "loss", max_results: 2 });
    expect(p1.body.metrics).toHaveLength(2);
    const p2 = await get("metrics/get-history", { run_id: runId, metric_key: "loss", max_results: 2, page_token: p1.body.next_page_token });
    expect(p2.body).toEqual({ metrics: [{ key: "loss", value: 0.33, timestamp: 1716200003000, step: 2 }] });
    expect((await get("metrics/get-history", { run_id: runId, metric_key: "unknown" })).body).toEqual({ metrics: [] });
  });

  it("runs/search with the client's filter and order_by", async () => {
    const second = (await post("runs/create", { experiment_id: experimentId, run_name: "second", start_time: 1716200100000, tags: [] }))
      .body.run.info.run_id;
    await post("runs/log-batch", {
      run_id: second,
      metrics: [{ key: "loss", value: 0.1, timestamp: 1, step: 0 }],
      params: [{ key: "optimizer", value: "adam" }],
    });
    const third = (await post("runs/create", { experiment_id: experimentId, run_name: "third", tags: [] })).body.run.info.run_id;
    await post("runs/log-batch", {
      run_id: third,
      metrics: [{ key: "loss", value: 0.7, timestamp: 1, step: 0 }],
      params: [{ key: "optimizer", value: "adam" }],
    });
    const res = await post("runs/search", fixture("runs-search", { experiment_id: experimentId }));
    expect(res.status).toBe(200);
    expect(res.body.runs.map((r: Json) => r.info.run_name)).toEqual(["second", "sunny-wren-42"]);
    expect(res.body.runs[0].data.metrics).toEqual([{ key: "loss", value: 0.1, timestamp: 1, step: 0 }]);
    expect(res.body.next_page_token).toBeUndefined();
    const paged = await post("runs/search", { experiment_ids: [experimentId], max_results: 2, order_by: ["attributes.start_time DESC"] });
    expect(paged.body.runs).toHaveLength(2);
    const rest = await post("runs/search", {
      experiment_ids: [experimentId],
      max_results: 2,
      order_by: ["attributes.start_time DESC"],
      page_token: paged.body.next_page_token,
    });
    expect(rest.body.runs).toHaveLength(1);
    const bad = await post("runs/search", { experiment_ids: [experimentId], filter: "metrics.loss <" });
    expect(bad).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/metrics.loss </) },
    });

    await post("runs/delete", { run_id: third });
    expect((await post("runs/search", { experiment_ids: [experimentId] })).body.runs).toHaveLength(2);
    const del = await post("runs/search", { experiment_ids: [experimentId], run_view_type: "DELETED_ONLY" });
    expect(del.body.runs.map((r: Json) => r.info.lifecycle_stage)).toEqual(["deleted"]);
    await post("runs/restore", { run_id: third });
    expect((await post("runs/search", { experiment_ids: [experimentId] })).body.runs).toHaveLength(3);
  });

  it("refuses bad input as MLflow does", async () => {
    const unknown = await get("runs/get", { run_id: "00000000-0000-4000-8000-000000000000" });
    expect(unknown).toMatchObject({ status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
    expect((await get("runs/get", { run_id: "not-a-uuid" })).status).toBe(404);
    const noId = await get("runs/get", {});
    expect(noId).toMatchObject({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/run_id/) } });
    // MLflow stores NaN and ±Infinity (test/registry/mlflow3.test.ts); a value that is no number is refused
    const nan = await post("runs/log-batch", fixture("runs-log-batch-nan", { run_id: runId }));
    expect(nan.status).toBe(200);
    const notANumber = await post("runs/log-batch", {
      run_id: runId,
      metrics: [
        { key: "accuracy", value: 0.9, timestamp: 1716200006000, step: 4 },
        { key: "loss", value: "high", timestamp: 1716200006000, step: 4 },
      ],
    });
    expect(notANumber).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/metrics\[1\]\.value/) },
    });
    // nothing of the refused batch was written
    expect((await get("metrics/get-history", { run_id: runId, metric_key: "accuracy" })).body.metrics).toHaveLength(2);
    const changed = await post("runs/log-parameter", { run_id: runId, key: "optimizer", value: "sgd" });
    expect(changed).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/immutable/) },
    });
    const dupes = await post("runs/log-batch", {
      run_id: runId,
      params: [
        { key: "x", value: "1" },
        { key: "x", value: "2" },
      ],
    });
    expect(dupes.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect((await post("runs/create", { experiment_id: "00000000-0000-4000-8000-000000000000" })).status).toBe(404);
    expect((await post("runs/nope", {})).body.error_code).toBe("ENDPOINT_NOT_FOUND");
    expect((await get("runs/log-batch", {})).status).toBe(405);
  });

  it("auth: no key is 401, a viewer may read not write, another project's run is 404", async () => {
    const anon = await dispatch(req("/api/2.0/mlflow/experiments/search", { method: "POST", json: {} }));
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as Json).error_code).toBe("UNAUTHENTICATED");
    expect((await get("runs/get", { run_id: runId }, viewerKey)).status).toBe(200);
    const write = await post("runs/set-tag", { run_id: runId, key: "a", value: "b" }, viewerKey);
    expect(write).toMatchObject({ status: 403, body: { error_code: "PERMISSION_DENIED" } });
    expect((await get("runs/get", { run_id: runId }, otherKey)).body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect((await post("runs/log-batch", fixture("runs-log-batch", { run_id: runId }), otherKey)).status).toBe(404);
  });

  it("experiment id 0 is the Default experiment, created on the first run", async () => {
    const res = await post("runs/create", { experiment_id: "0", start_time: Date.now(), tags: [] });
    expect(res.status).toBe(200);
    expect(res.body.run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    const e = await get("experiments/get", { experiment_id: "0" });
    expect(e.body.experiment.name).toBe("Default");
  });

  it("proxies artifacts: PUT, list (one level, names relative), GET", async () => {
    const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
    const put = (p: string, body: string) =>
      dispatch(req(`${base}/${p}`, { method: "PUT", key, body, headers: { "content-type": "text/plain" } }));
    expect((await put("model/MLmodel", "flavors: {}\n")).status).toBe(200);
    expect((await put("model/weights.bin", "0123456789")).status).toBe(200);
    expect((await put("notes%20v1.txt", "hello")).status).toBe(200);
    const list = async (p: string) =>
      (await (await dispatch(req(`/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(p)}`, { key }))).json()) as Json;
    expect(await list(`${experimentId}/${runId}/artifacts`)).toEqual({
      files: [
        { path: "model", is_dir: true },
        { path: "notes v1.txt", is_dir: false, file_size: 5 },
      ],
    });
    expect(await list(`${experimentId}/${runId}/artifacts/model`)).toEqual({
      files: [
        { path: "MLmodel", is_dir: false, file_size: 12 },
        { path: "weights.bin", is_dir: false, file_size: 10 },
      ],
    });
    expect(await list(`${experimentId}/${runId}/artifacts/empty`)).toEqual({});
    const dl = await dispatch(req(`${base}/model/weights.bin`, { key }));
    expect(dl.status).toBe(200);
    expect(await dl.text()).toBe("0123456789");
    expect((await dispatch(req(`${base}/missing.txt`, { key }))).status).toBe(404);
    expect((await put("..%2Fescape", "x")).status).toBe(400);
    const viewerPut = await dispatch(req(`${base}/v.txt`, { method: "PUT", key: viewerKey, body: "x" }));
    expect(viewerPut.status).toBe(403);
    const wrongExp = await dispatch(req(`/api/2.0/mlflow-artifacts/artifacts/${runId}/${runId}/artifacts/model/MLmodel`, { key }));
    expect(wrongExp.status).toBe(404);
    // the run page lists the files too
    const run = (await get("runs/get", { run_id: runId })).body.run;
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
  });
});

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { dispatch } from "../../server/http/dispatch";
import { makeKey, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * MLflow 3 compatibility (issue 16). No Python `mlflow` package runs here, so the request bodies are
 * those MLflow 3's client sends, as its code writes them: `mlflow/store/tracking/rest_store.py`
 * (`message_to_json` of the protos in `mlflow/protos/service.proto`: CreateLoggedModel,
 * FinalizeLoggedModel, SetLoggedModelTags, LogLoggedModelParamsRequest, SearchLoggedModels,
 * StartTraceV3, LogBatch with MLflow 3's `model_id` metrics), `mlflow/store/model_registry/rest_store.py`
 * (model_registry.proto), the HTTP artifact repository's proxy calls
 * (`mlflow/store/artifact/http_artifact_repo.py`) and `Span.to_dict` (`mlflow/entities/span.py`)
 * for traces.json. Bodies with bare NaN / Infinity are what Python's `json.dumps` writes.
 */

let d: TestDatabase;
let key: string;
let viewerKey: string;
let projectId: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  viewerKey = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
});
afterAll(() => d.drop());
const eqName = (name: string) => eq(schema.registeredModels.name, name);

type Json = Record<string, any>;
const API = "/api/2.0/mlflow";
async function call(method: string, path: string, body?: unknown, k = key): Promise<{ status: number; body: Json; text: string }> {
  const text = typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body);
  const res = await dispatch(
    req(path, { method, key: k, body: text, headers: text === undefined ? undefined : { "content-type": "application/json" } }),
  );
  const raw = await res.text();
  return { status: res.status, body: raw ? (JSON.parse(raw) as Json) : {}, text: raw };
}
const post = (endpoint: string, body: unknown, k = key) => call("POST", `${API}/${endpoint}`, body, k);
const get = (endpoint: string, query: Record<string, string | number> = {}) =>
  call("GET", `${API}/${endpoint}?${new URLSearchParams(Object.entries(query).map(([a, b]) => [a, String(b)]))}`);
const proxy = "/api/2.0/mlflow-artifacts/artifacts";
const put = (location: string, file: string, bytes: string) =>
  dispatch(
    req(`${proxy}/${location}/${file}`, { method: "PUT", key, body: bytes, headers: { "content-type": "application/octet-stream" } }),
  );
const list = async (path: string) => (await (await dispatch(req(`${proxy}?path=${encodeURIComponent(path)}`, { key }))).json()) as Json;
/** `mlflow-artifacts:/<tail>` to the proxy's path tail. */
const tail = (uri: string) => uri.replace(/^mlflow-artifacts:\//, "");

let experimentId: string;
let runId: string;

describe("NaN and ±Infinity metrics on the MLflow routes", () => {
  it("stores them and answers them as MLflow writes them", async () => {
    experimentId = (await post("experiments/create", { name: "mlflow3" })).body.experiment_id;
    // runs/create with the name only in the mlflow.runName tag (MLflow 3's start_run sends both; older clients the tag)
    const created = await post("runs/create", {
      experiment_id: experimentId,
      start_time: 1716200000000,
      tags: [
        { key: "mlflow.runName", value: "nan-hunter" },
        { key: "mlflow.user", value: "alice" },
      ],
    });
    expect(created.body.run.info.run_name).toBe("nan-hunter");
    runId = created.body.run.info.run_id;

    // protobuf's JSON mapping: non-finite doubles as strings (MlflowClient.log_metric)
    const one = await post("runs/log-metric", {
      run_id: runId,
      run_uuid: runId,
      key: "loss",
      value: "NaN",
      timestamp: 1716200001000,
      step: 0,
    });
    expect(one).toMatchObject({ status: 200, body: {} });
    // Python's json.dumps: bare tokens, outside strings only ("NaN" inside a tag value stays text)
    const batch = `{"run_id": "${runId}", "metrics": [
      {"key": "loss", "value": Infinity, "timestamp": 1716200002000, "step": 1},
      {"key": "gain", "value": -Infinity, "timestamp": 1716200002000, "step": 1},
      {"key": "acc", "value": 0.5, "timestamp": 1716200002000, "step": 1}],
      "params": [], "tags": [{"key": "note", "value": "NaN, Infinity and -Infinity are fine"}]}`;
    expect((await post("runs/log-batch", batch)).status).toBe(200);

    const run = await get("runs/get", { run_id: runId });
    expect(run.body.run.data.metrics).toEqual([
      { key: "acc", value: 0.5, timestamp: 1716200002000, step: 1 },
      { key: "gain", value: "-Infinity", timestamp: 1716200002000, step: 1 },
      { key: "loss", value: "Infinity", timestamp: 1716200002000, step: 1 },
    ]);
    expect(run.body.run.data.tags).toContainEqual({ key: "note", value: "NaN, Infinity and -Infinity are fine" });
    const history = await get("metrics/get-history", { run_id: runId, metric_key: "loss" });
    expect(history.body.metrics.map((m: Json) => m.value)).toEqual(["NaN", "Infinity"]);
    expect(history.text).toContain('"value":"NaN"');
    const search = await post("runs/search", { experiment_ids: [experimentId], order_by: ["metrics.gain ASC"], max_results: 1 });
    expect(search.body.runs[0].data.metrics).toContainEqual({ key: "gain", value: "-Infinity", timestamp: 1716200002000, step: 1 });

    // Keel's own API stays strict, and shows stored non-finite values as JSON null
    const strict = await call("POST", `/api/v1/runs/${runId}/log`, { metrics: [{ key: "loss", value: "NaN" }] });
    expect(strict.status).toBe(400);
    const own = await call("GET", `/api/v1/runs/${runId}/metrics/loss`);
    expect(own.body.values).toEqual([null, null]);
  });

  it("refuses a value that is no number, naming it, and writes nothing", async () => {
    for (const value of ["high", "nan", null, true])
      expect(
        await post("runs/log-batch", {
          run_id: runId,
          metrics: [
            { key: "acc", value: 0.9, timestamp: 1716200003000, step: 2 },
            { key: "loss", value, timestamp: 1716200003000, step: 2 },
          ],
        }),
      ).toMatchObject({
        status: 400,
        body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/metrics\[1\]\.value/) },
      });
    expect((await post("runs/log-metric", { run_id: runId, key: "acc" })).body.message).toMatch(/'value'/);
    // a bare token inside a key or a broken body is still malformed JSON
    expect((await post("runs/log-batch", `{"run_id": "${runId}", "metrics": [{"key": "a", "value": NaNa}]}`)).status).toBe(400);
    expect((await get("metrics/get-history", { run_id: runId, metric_key: "acc" })).body.metrics).toHaveLength(1);
  });
});

describe("runs/search by run name", () => {
  it("maps tags.`mlflow.runName` and attributes.run_name onto the run's name", async () => {
    await post("runs/create", { experiment_id: experimentId, run_name: "other-run", start_time: 1716200100000, tags: [] });
    const names = async (filter: string, order?: string) =>
      (await post("runs/search", { experiment_ids: [experimentId], filter, ...(order ? { order_by: [order] } : {}) })).body.runs.map(
        (r: Json) => r.info.run_name,
      );
    expect(await names("tags.`mlflow.runName` = 'nan-hunter'")).toEqual(["nan-hunter"]);
    expect(await names("tags.\"mlflow.runName\" = 'other-run'")).toEqual(["other-run"]);
    expect(await names("tags.mlflow.runName LIKE '%-%'", "tags.`mlflow.runName` ASC")).toEqual(["nan-hunter", "other-run"]);
    expect(await names("attributes.run_name = 'other-run'")).toEqual(["other-run"]);
    expect(await names("attributes.run_name ILIKE 'NAN%'")).toEqual(["nan-hunter"]);
    expect(await names("tags.`mlflow.runName` != 'nan-hunter'")).toEqual(["other-run"]);
  });
});

describe("artifacts/list", () => {
  it("lists a run's artifacts from its root, as MLflow's ListArtifacts", async () => {
    const loc = `${experimentId}/${runId}/artifacts`;
    expect((await put(loc, "plots/loss.png", "png")).status).toBe(200);
    expect((await put(loc, "summary.txt", "ok")).status).toBe(200);
    expect((await get("artifacts/list", { run_id: runId })).body).toEqual({
      root_uri: `mlflow-artifacts:/${loc}`,
      files: [
        { path: "plots", is_dir: true },
        { path: "summary.txt", is_dir: false, file_size: 2 },
      ],
    });
    expect((await get("artifacts/list", { run_id: runId, path: "plots" })).body.files).toEqual([
      { path: "plots/loss.png", is_dir: false, file_size: 3 },
    ]);
    expect(await get("artifacts/list", { run_id: runId, path: "../x" })).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE" },
    });
    expect(await get("artifacts/list", { run_id: "00000000-0000-4000-8000-000000000000" })).toMatchObject({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST" },
    });
  });
});

describe("logged models (mlflow.<flavor>.log_model in MLflow 3)", () => {
  let modelId: string;
  let artifactUri: string;

  it("create, upload through the proxy, finalize, get", async () => {
    // RestStore.create_logged_model: CreateLoggedModel
    const created = await post("logged-models", {
      experiment_id: experimentId,
      name: "model",
      source_run_id: runId,
      params: [{ key: "C", value: "1.0" }],
      tags: [
        { key: "mlflow.user", value: "alice" },
        { key: "mlflow.source.name", value: "train.py" },
      ],
    });
    expect(created.status).toBe(200);
    const info = created.body.model.info;
    modelId = info.model_id;
    artifactUri = info.artifact_uri;
    expect(modelId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(info).toMatchObject({
      experiment_id: experimentId,
      name: "model",
      source_run_id: runId,
      status: "LOGGED_MODEL_PENDING",
      artifact_uri: `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`,
      tags: [
        { key: "mlflow.user", value: "alice" },
        { key: "mlflow.source.name", value: "train.py" },
      ],
    });
    expect(created.body.model.data).toEqual({ params: [{ key: "C", value: "1.0" }], metrics: [] });

    // log_model_artifacts: the HTTP artifact repository PUTs each file under the model's location
    for (const [file, bytes] of [
      ["MLmodel", "artifact_path: model\nflavors: {}\n"],
      ["model.pkl", "pickled"],
      ["requirements.txt", "scikit-learn\n"],
      ["metadata/input_example.json", "{}"],
    ] as const)
      expect((await put(tail(artifactUri), file, bytes)).status).toBe(200);
    // RestStore.log_outputs (runs/outputs) names the model as the run's output
    expect((await post("runs/outputs", { run_id: runId, models: [{ model_id: modelId, step: 0 }] })).status).toBe(200);
    // RestStore.finalize_logged_model: FinalizeLoggedModel
    const done = await call("PATCH", `${API}/logged-models/${modelId}`, { model_id: modelId, status: "LOGGED_MODEL_READY" });
    expect(done.body.model.info.status).toBe("LOGGED_MODEL_READY");

    const got = await call("GET", `${API}/logged-models/${modelId}`);
    expect(got.body.model.info).toMatchObject({ model_id: modelId, status: "LOGGED_MODEL_READY" });
    expect(await list(tail(artifactUri))).toEqual({
      files: [
        { path: "MLmodel", is_dir: false, file_size: 33 },
        { path: "metadata", is_dir: true },
        { path: "model.pkl", is_dir: false, file_size: 7 },
        { path: "requirements.txt", is_dir: false, file_size: 13 },
      ],
    });
    const dl = await dispatch(req(`${proxy}/${tail(artifactUri)}/model.pkl`, { key }));
    expect(await dl.text()).toBe("pickled");
    const dirs = await call("GET", `${API}/logged-models/${modelId}/artifacts/directories?artifact_directory_path=metadata`);
    expect(dirs.body).toEqual({ root_uri: artifactUri, files: [{ path: "metadata/input_example.json", is_dir: false, file_size: 2 }] });
  });

  it("params (immutable), tags, and metrics logged with model_id", async () => {
    // RestStore.log_logged_model_params: LogLoggedModelParamsRequest
    const params = { model_id: modelId, params: [{ key: "max_iter", value: "100" }] };
    expect((await post(`logged-models/${modelId}/params`, params)).status).toBe(200);
    expect((await post(`logged-models/${modelId}/params`, params)).status).toBe(200);
    const changed = await post(`logged-models/${modelId}/params`, { model_id: modelId, params: [{ key: "C", value: "2.0" }] });
    expect(changed).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/immutable/) },
    });
    // RestStore.set_logged_model_tags (PATCH .../tags), delete_logged_model_tag (DELETE .../tags/{key})
    expect((await call("PATCH", `${API}/logged-models/${modelId}/tags`, { tags: [{ key: "stage", value: "dev" }] })).status).toBe(200);
    expect((await call("DELETE", `${API}/logged-models/${modelId}/tags/mlflow.source.name`)).status).toBe(200);
    expect(await call("DELETE", `${API}/logged-models/${modelId}/tags/nope`)).toMatchObject({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST" },
    });
    // LogBatch with MLflow 3's Metric.model_id / dataset fields (mlflow.log_metrics(..., model_id=...))
    const batch = `{"run_id": "${runId}", "metrics": [
      {"key": "accuracy", "value": 0.93, "timestamp": 1716200010000, "step": 0, "model_id": "${modelId}", "dataset_name": "eval", "dataset_digest": "d1", "run_id": "${runId}"},
      {"key": "rmse", "value": NaN, "timestamp": 1716200010000, "step": 0, "model_id": "${modelId}"}]}`;
    expect((await post("runs/log-batch", batch)).status).toBe(200);
    const m = (await call("GET", `${API}/logged-models/${modelId}`)).body.model;
    expect(Object.fromEntries(m.info.tags.map((t: Json) => [t.key, t.value]))).toEqual({ "mlflow.user": "alice", stage: "dev" });
    expect(m.data.params).toEqual([
      { key: "C", value: "1.0" },
      { key: "max_iter", value: "100" },
    ]);
    expect(m.data.metrics).toEqual([
      {
        key: "accuracy",
        value: 0.93,
        timestamp: 1716200010000,
        step: 0,
        model_id: modelId,
        run_id: runId,
        dataset_name: "eval",
        dataset_digest: "d1",
      },
      { key: "rmse", value: "NaN", timestamp: 1716200010000, step: 0, model_id: modelId, run_id: runId },
    ]);
    // the run logged them too
    expect((await get("metrics/get-history", { run_id: runId, metric_key: "accuracy" })).body.metrics).toHaveLength(1);
    // an unknown model_id writes nothing, neither on the run nor elsewhere
    const unknown = await post("runs/log-batch", {
      run_id: runId,
      metrics: [{ key: "f1", value: 0.5, timestamp: 1, step: 0, model_id: "m-00000000000000000000000000000000" }],
    });
    expect(unknown).toMatchObject({ status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
    expect((await get("metrics/get-history", { run_id: runId, metric_key: "f1" })).body.metrics).toEqual([]);
  });

  it("search: filter, order, pages", async () => {
    for (const name of ["b-model", "c-model"]) {
      await new Promise((r) => setTimeout(r, 5)); // distinct creation times, so the default order is certain
      await post("logged-models", { experiment_id: experimentId, name });
    }
    // RestStore.search_logged_models: SearchLoggedModels
    const search = (body: Json) => post("logged-models/search", { experiment_ids: [experimentId], ...body });
    const names = async (body: Json) => (await search(body)).body.models.map((x: Json) => x.info.name);
    expect(await names({})).toEqual(["c-model", "b-model", "model"]);
    expect(await names({ order_by: [{ field_name: "name", ascending: true }] })).toEqual(["b-model", "c-model", "model"]);
    expect(await names({ filter: "status = 'READY'" })).toEqual(["model"]);
    expect(await names({ filter: "metrics.accuracy > 0.9 AND params.C = '1.0'" })).toEqual(["model"]);
    expect(await names({ filter: "name LIKE '%-model' AND tags.stage = 'dev'" })).toEqual([]);
    expect(await names({ filter: `source_run_id = '${runId}'` })).toEqual(["model"]);
    const p1 = await search({ max_results: 2, order_by: [{ field_name: "creation_timestamp", ascending: false }] });
    expect(p1.body.models).toHaveLength(2);
    const p2 = await search({
      max_results: 2,
      order_by: [{ field_name: "creation_timestamp", ascending: false }],
      page_token: p1.body.next_page_token,
    });
    expect(p2.body, JSON.stringify(p2.body)).toHaveProperty("models");
    expect(p2.body.models.map((x: Json) => x.info.name)).toEqual(["model"]);
    expect(p2.body.next_page_token).toBeUndefined();
    for (const [body, field] of [
      [{ filter: "colour = 'red'" }, /unknown attribute "colour"/],
      [{ filter: "metrics.accuracy > 'high'" }, /compares with a number/],
      [{ order_by: [{ field_name: "metrics.accuracy" }] }, /order_by/],
      [{ page_token: "junk" }, /page_token/],
    ] as const)
      expect(await search(body)).toMatchObject({
        status: 400,
        body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(field) },
      });
  });

  it("refuses bad input with MLflow's codes", async () => {
    expect(await post("logged-models", { name: "x" })).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: "Missing value for required parameter 'experiment_id'." },
    });
    expect(await post("logged-models", { experiment_id: "00000000-0000-4000-8000-000000000000" })).toMatchObject({ status: 404 });
    expect(
      await post("logged-models", { experiment_id: experimentId, source_run_id: "00000000-0000-4000-8000-000000000000" }),
    ).toMatchObject({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST" },
    });
    expect(await call("PATCH", `${API}/logged-models/${modelId}`, { status: "LOGGED_MODEL_DONE" })).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/status/) },
    });
    expect(await call("GET", `${API}/logged-models/m-ffffffffffffffffffffffffffffffff`)).toMatchObject({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST" },
    });
    expect((await post("logged-models", { experiment_id: experimentId, name: "x" }, viewerKey)).status).toBe(403);
    // another experiment's id in the path is not this model's location
    expect((await put(`${runId}/models/${modelId}/artifacts`, "x.txt", "x")).status).toBe(404);
  });
});

describe("the model registry: versions from logged models, download URIs, and the missing endpoints", () => {
  let modelId: string;

  it("registers a logged model and downloads it the way MLflow's artifact repository does", async () => {
    const m = await post("logged-models", { experiment_id: experimentId, name: "clf", source_run_id: runId });
    modelId = m.body.model.info.model_id;
    await put(tail(m.body.model.info.artifact_uri), "MLmodel", "flavors: {}\n");
    await put(tail(m.body.model.info.artifact_uri), "data/weights.bin", "0123456789");
    await call("PATCH", `${API}/logged-models/${modelId}`, { model_id: modelId, status: "LOGGED_MODEL_READY" });

    expect((await post("registered-models/create", { name: "iris" })).status).toBe(200);
    // ModelRegistry RestStore.create_model_version with MLflow 3's model_id
    const v1 = await post("model-versions/create", {
      name: "iris",
      source: `models:/${modelId}`,
      run_id: runId,
      tags: [{ key: "team", value: "ml" }],
      model_id: modelId,
    });
    expect(v1.status).toBe(200);
    expect(v1.body.model_version).toMatchObject({
      name: "iris",
      version: "1",
      source: `models:/${modelId}`,
      run_id: runId,
      model_id: modelId,
      status: "READY",
      tags: [{ key: "team", value: "ml" }],
    });
    // a source under the logged model's artifact location is the same model (without model_id)
    const v2 = await post("model-versions/create", { name: "iris", source: `${m.body.model.info.artifact_uri}/data` });
    expect(v2.body.model_version).toMatchObject({ version: "2", model_id: modelId });

    const uri = (await get("model-versions/get-download-uri", { name: "iris", version: 1 })).body.artifact_uri as string;
    expect(uri).toMatch(/^mlflow-artifacts:\/model-versions\/[0-9a-f-]{36}\/artifacts$/);
    // HttpArtifactRepository.list_artifacts / download: GET ?path=<root>[/<dir>], then GET <root>/<file>
    expect(await list(tail(uri))).toEqual({
      files: [
        { path: "MLmodel", is_dir: false, file_size: 12 },
        { path: "data", is_dir: true },
      ],
    });
    expect(await list(`${tail(uri)}/data`)).toEqual({ files: [{ path: "weights.bin", is_dir: false, file_size: 10 }] });
    const dl = await dispatch(req(`${proxy}/${tail(uri)}/data/weights.bin`, { key }));
    expect(dl.status).toBe(200);
    expect(await dl.text()).toBe("0123456789");
    const v2uri = (await get("model-versions/get-download-uri", { name: "iris", version: 2 })).body.artifact_uri as string;
    expect(await list(tail(v2uri))).toEqual({ files: [{ path: "weights.bin", is_dir: false, file_size: 10 }] });
    // versions are immutable; another project never sees them
    expect((await put(tail(uri), "MLmodel", "changed")).status).toBe(400);
    expect((await dispatch(req(`${proxy}/model-versions/00000000-0000-4000-8000-000000000000/artifacts/MLmodel`, { key }))).status).toBe(
      404,
    );
    // an external source stays its own URI
    await post("model-versions/create", { name: "iris", source: "s3://bucket/iris/3" });
    expect((await get("model-versions/get-download-uri", { name: "iris", version: 3 })).body.artifact_uri).toBe("s3://bucket/iris/3");
  });

  it("update, set-tag, delete-tag, rename, delete", async () => {
    const updated = await call("PATCH", `${API}/model-versions/update`, { name: "iris", version: "1", description: "first" });
    expect(updated.body.model_version).toMatchObject({ version: "1", description: "first" });
    expect((await post("model-versions/set-tag", { name: "iris", version: "1", key: "validated", value: "yes" })).status).toBe(200);
    expect((await get("model-versions/get", { name: "iris", version: 1 })).body.model_version.tags).toEqual([
      { key: "team", value: "ml" },
      { key: "validated", value: "yes" },
    ]);
    expect((await call("DELETE", `${API}/model-versions/delete-tag`, { name: "iris", version: "1", key: "team" })).status).toBe(200);
    expect(await call("DELETE", `${API}/model-versions/delete-tag`, { name: "iris", version: "1", key: "team" })).toMatchObject({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST" },
    });

    const renamed = await post("registered-models/rename", { name: "iris", new_name: "iris-v2" });
    expect(renamed.body.registered_model).toMatchObject({ name: "iris-v2", latest_versions: [{ version: "3" }] });
    expect((await get("registered-models/get", { name: "iris" })).status).toBe(404);
    await post("registered-models/create", { name: "taken" });
    expect(await post("registered-models/rename", { name: "iris-v2", new_name: "taken" })).toMatchObject({
      status: 400,
      body: { error_code: "RESOURCE_ALREADY_EXISTS" },
    });
    expect(await post("registered-models/rename", { name: "iris-v2", new_name: "a/b" })).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/new_name/) },
    });

    expect((await call("DELETE", `${API}/model-versions/delete`, { name: "iris-v2", version: "3" })).status).toBe(200);
    expect(await get("model-versions/get", { name: "iris-v2", version: 3 })).toMatchObject({ status: 404 });
    // numbers are never reused
    expect((await post("model-versions/create", { name: "iris-v2", source: "s3://bucket/iris/4" })).body.model_version.version).toBe("4");
  });

  it("refuses what Keel's rules forbid, with MLflow's INVALID_STATE", async () => {
    // an aliased version
    await post("registered-models/alias", { name: "iris-v2", alias: "champion", version: "1" });
    const aliased = await call("DELETE", `${API}/model-versions/delete`, { name: "iris-v2", version: "1" });
    expect(aliased).toMatchObject({ status: 400, body: { error_code: "INVALID_STATE", message: expect.stringMatching(/champion/) } });
    expect((await call("DELETE", `${API}/registered-models/delete`, { name: "iris-v2" })).body.error_code).toBe("INVALID_STATE");

    // a version an approval request names (the approval record stays), and a model with a policy
    const [model] = await d.db.select().from(schema.registeredModels).where(eqName("iris-v2"));
    await d.db.insert(schema.approvalPolicies).values({
      modelId: model?.id as string,
      projectId,
      aliases: ["production"],
      requiredApprovals: 1,
      approverRoles: ["admin"],
      gateIds: [],
    });
    const pending = await post("registered-models/alias", { name: "iris-v2", alias: "production", version: "2" });
    expect(pending.status).toBe(202);
    const named = await call("DELETE", `${API}/model-versions/delete`, { name: "iris-v2", version: "2" });
    expect(named).toMatchObject({ status: 400, body: { error_code: "INVALID_STATE", message: expect.stringMatching(/approval request/) } });

    // a deployment that pins a version, or serves the model by name
    await post("registered-models/create", { name: "served" });
    await post("model-versions/create", { name: "served", source: "s3://bucket/served/1" });
    await d.db
      .insert(schema.deployments)
      .values({ projectId, name: "chat-prod", kind: "local", task: "chat", modelName: "served", modelRef: "1" });
    for (const [method, endpoint, body] of [
      ["DELETE", "model-versions/delete", { name: "served", version: "1" }],
      ["DELETE", "registered-models/delete", { name: "served" }],
      ["POST", "registered-models/rename", { name: "served", new_name: "served-2" }],
    ] as const)
      expect(await call(method, `${API}/${endpoint}`, body)).toMatchObject({
        status: 400,
        body: { error_code: "INVALID_STATE", message: expect.stringMatching(/chat-prod/) },
      });
    expect((await get("model-versions/get", { name: "served", version: 1 })).status).toBe(200);

    // nothing in the way: the model and its versions go
    await post("registered-models/create", { name: "scratch" });
    await post("model-versions/create", { name: "scratch", source: "s3://bucket/scratch/1" });
    expect((await call("DELETE", `${API}/registered-models/delete`, { name: "scratch" })).status).toBe(200);
    expect(await get("registered-models/get", { name: "scratch" })).toMatchObject({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST" },
    });
    expect(await call("DELETE", `${API}/registered-models/delete`, { name: "scratch" })).toMatchObject({ status: 404 });
    expect((await call("DELETE", `${API}/model-versions/delete`, { name: "served", version: "1" }, viewerKey)).status).toBe(403);
    expect(await call("DELETE", `${API}/model-versions/delete`, { name: "served" })).toMatchObject({
      status: 400,
      body: { message: "Missing value for required parameter 'version'." },
    });
  });
});

describe("MLflow 3 traces (/api/3.0/mlflow/traces)", () => {
  const traceId = "tr-0e1ef9d7a8e54d4a9b3d3e2f4e2c5f10";
  const T3 = "/api/3.0/mlflow/traces";

  it("StartTraceV3, then traces.json through the artifact proxy, read back in MLflow's and Keel's shapes", async () => {
    // RestStore.start_trace: StartTraceV3(trace=Trace(info, data=TraceData(spans=[])))
    const started = await call("POST", T3, {
      trace: {
        trace_info: {
          trace_id: traceId,
          trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } },
          request_preview: '{"question": "What is MLflow?"}',
          response_preview: '"An open source platform"',
          request_time: "2025-06-01T10:00:00.123Z",
          execution_duration: "1.250s",
          state: "OK",
          trace_metadata: { "mlflow.trace_schema.version": "3", "mlflow.trace.user": "alice", "mlflow.trace.session": "s-1" },
          tags: { "mlflow.traceName": "answer" },
        },
        trace_data: {},
      },
    });
    expect(started.status).toBe(200);
    const location = started.body.trace.trace_info.tags["mlflow.artifactLocation"] as string;
    expect(location).toBe(`mlflow-artifacts:/${experimentId}/traces/${traceId}/artifacts`);

    // upload_trace_data: {"spans": [Span.to_dict()]} (span dict v4; attribute values are JSON text)
    const spans = {
      spans: [
        {
          trace_id: traceId,
          span_id: "a1b2c3d4e5f60718",
          parent_span_id: null,
          name: "answer",
          start_time_unix_nano: 1748772000123000000,
          end_time_unix_nano: 1748772001373000000,
          events: [],
          status: { code: "OK", message: "" },
          attributes: {
            "mlflow.traceRequestId": `"${traceId}"`,
            "mlflow.spanType": '"CHAIN"',
            "mlflow.spanInputs": '{"question": "What is MLflow?"}',
            "mlflow.spanOutputs": '"An open source platform"',
          },
          "mlflow.span_dict_version": 4,
        },
        {
          trace_id: traceId,
          span_id: "0f1e2d3c4b5a6978",
          parent_span_id: "a1b2c3d4e5f60718",
          name: "ChatOpenAI",
          start_time_unix_nano: 1748772000200000000,
          end_time_unix_nano: 1748772001300000000,
          events: [],
          status: { code: "OK", message: "" },
          attributes: {
            "mlflow.traceRequestId": `"${traceId}"`,
            "mlflow.spanType": '"CHAT_MODEL"',
            "mlflow.spanInputs": '[{"role": "user", "content": "What is MLflow?"}]',
            "mlflow.spanOutputs": '"An open source platform"',
            "mlflow.chat.tokenUsage": '{"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}',
            temperature: "0.1",
          },
        },
      ],
    };
    const upload = await put(tail(location), "traces.json", JSON.stringify(spans));
    expect(upload.status).toBe(200);
    expect(await list(tail(location))).toEqual({
      files: [{ path: "traces.json", is_dir: false, file_size: JSON.stringify(spans).length }],
    });
    const back = await dispatch(req(`${proxy}/${tail(location)}/traces.json`, { key }));
    expect(await back.json()).toEqual(spans);

    // GetTraceInfoV3
    const info = (await call("GET", `${T3}/${traceId}`)).body.trace.trace_info;
    expect(info).toMatchObject({
      trace_id: traceId,
      trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } },
      request_time: "2025-06-01T10:00:00.123Z",
      state: "OK",
      trace_metadata: { "mlflow.trace.user": "alice", "mlflow.trace.session": "s-1" },
      tags: { "mlflow.traceName": "answer", "mlflow.artifactLocation": location },
    });
    expect(JSON.parse(info.request_preview)).toEqual({ question: "What is MLflow?" });

    // Keel's own trace API: the client's id, its spans as observations under the trace's span
    const keel = (await call("GET", `/api/v1/traces/${traceId}`)).body;
    expect(keel.trace).toMatchObject({ id: traceId, name: "answer", userId: "alice", sessionId: "s-1", inputTokens: 12, outputTokens: 5 });
    const obs = Object.fromEntries(keel.observations.map((o: Json) => [o.name, o]));
    expect(obs.ChatOpenAI).toMatchObject({
      type: "generation",
      parentObservationId: `${traceId}/a1b2c3d4e5f60718`,
      input: [{ role: "user", content: "What is MLflow?" }],
      output: "An open source platform",
      inputTokens: 12,
      metadata: { temperature: 0.1, "mlflow.spanType": "CHAT_MODEL" },
    });
    // MLflow's root span hangs under the span Keel made from the trace info (both named after the trace)
    const root = keel.observations.find((o: Json) => o.id === `${traceId}/a1b2c3d4e5f60718`);
    expect(root).toMatchObject({ name: "answer", type: "span", parentObservationId: `${traceId}/trace` });
  });

  it("search (one experiment, status and time filters) and bad input", async () => {
    // SearchTracesV3
    const search = (body: Json) => call("POST", `${T3}/search`, body);
    const at = { locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } }] };
    const found = await search({
      ...at,
      filter: "trace.status = 'OK' AND trace.timestamp_ms > 1748700000000",
      max_results: 10,
      order_by: ["timestamp_ms DESC"],
    });
    expect(found.body.traces.map((t: Json) => t.trace_id)).toEqual([traceId]);
    expect((await search({ ...at, filter: "trace.status = 'ERROR'" })).body.traces).toEqual([]);
    expect(await search({ ...at, filter: "tags.x = 'y'" })).toMatchObject({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE" } });
    expect(await search({ locations: [] })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/one experiment/) } });

    expect(await call("POST", T3, { trace: {} })).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/trace_info/) },
    });
    const badTime = await call("POST", T3, {
      trace: {
        trace_info: {
          trace_id: "tr-1",
          trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } },
          execution_duration: "soon",
        },
      },
    });
    expect(badTime).toMatchObject({ status: 400, body: { message: expect.stringMatching(/execution_duration/) } });
    expect(await call("GET", `${T3}/tr-unknown`)).toMatchObject({ status: 404, body: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
    expect((await call("GET", "/api/3.0/mlflow/nothing")).body.error_code).toBe("ENDPOINT_NOT_FOUND");
    expect((await put(`${experimentId}/traces/${traceId}/artifacts`, "other.json", "{}")).status).toBe(400);
    expect((await put(`${experimentId}/traces/${traceId}/artifacts`, "traces.json", '{"spans": [{"name": "x"}]}')).status).toBe(400);
  });
});

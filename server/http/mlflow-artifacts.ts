import { Readable } from "node:stream";
import { artifactStore } from "../core/artifacts";
import { DomainError } from "../core/errors";
import {
  checkRunArtifactPath,
  directoryLevel,
  getLoggedModel,
  getRun,
  getVersionById,
  listLoggedModelFiles,
  listRunArtifacts,
  loggedModelFile,
  putLoggedModelFile,
  putRunArtifact,
  versionFiles,
} from "../registry";
import type { ProjectContext } from "./entry";
import { putTraceData, traceDataFile } from "./mlflow-traces";
import { downloadArtifact } from "./runs";

/**
 * What a path under the artifact proxy names (the tail of an `mlflow-artifacts:/...` URI):
 *  - `<experiment_id>/<run_id>/artifacts[/<path>]`: a run's artifacts;
 *  - `<experiment_id>/models/<model_id>/artifacts[/<path>]`: an MLflow 3 logged model's files;
 *  - `model-versions/<version_id>/artifacts[/<path>]`: a registered version's files (read-only:
 *    versions are immutable), what `model-versions/get-download-uri` answers;
 *  - `<experiment_id>/traces/<trace_id>/artifacts/traces.json`: an MLflow 3 trace's spans (mlflow-traces.ts).
 */
type Location =
  | { kind: "run"; experimentId: string; runId: string; path: string }
  | { kind: "logged-model"; experimentId: string; modelId: string; path: string }
  | { kind: "trace"; experimentId: string; traceId: string; path: string }
  | { kind: "version"; versionId: string; path: string };

function locationOf(location: string): Location {
  const parts = location.split("/").filter(Boolean);
  const rest = (from: number) => parts.slice(from).join("/");
  if (parts[0] === "model-versions" && parts[2] === "artifacts") return { kind: "version", versionId: parts[1] as string, path: rest(3) };
  if (parts[1] === "models" && parts[3] === "artifacts")
    return { kind: "logged-model", experimentId: parts[0] as string, modelId: parts[2] as string, path: rest(4) };
  if (parts[1] === "traces" && parts[3] === "artifacts")
    return { kind: "trace", experimentId: parts[0] as string, traceId: parts[2] as string, path: rest(4) };
  if (parts.length >= 3 && parts[2] === "artifacts")
    return { kind: "run", experimentId: parts[0] as string, runId: parts[1] as string, path: rest(3) };
  throw new DomainError(
    "NOT_FOUND",
    `No artifacts at ${location}: expected <experiment_id>/<run_id>/artifacts/<path>, <experiment_id>/models/<model_id>/artifacts/<path> or model-versions/<id>/artifacts/<path>`,
    "path",
  );
}

/** The files of a location, after checking it is this project's (a wrong experiment is a 404, as an unknown id). */
async function filesAt(c: ProjectContext, loc: Location): Promise<{ path: string; size: number; sha256: string }[]> {
  const { db, project } = c;
  if (loc.kind === "trace") return traceDataFile(c, loc.experimentId, loc.traceId);
  if (loc.kind === "version") return versionFiles(db, (await getVersionById(db, project.id, loc.versionId)).id);
  if (loc.kind === "logged-model") {
    const m = await getLoggedModel(db, project.id, loc.modelId);
    if (m.experimentId !== loc.experimentId) throw new DomainError("NOT_FOUND", `logged model ${loc.modelId} not found`, "path");
    return listLoggedModelFiles(db, project.id, m.id, loc.path);
  }
  const run = await getRun(db, project.id, loc.runId);
  if (run.experimentId !== loc.experimentId) throw new DomainError("NOT_FOUND", `run ${loc.runId} not found`, "path");
  return listRunArtifacts(db, project.id, run.id, loc.path);
}

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

/**
 * MLflow's artifact proxy, over content-addressed files (the auth step checked project and role
 * first: a viewer learns nothing about which runs exist from a refused upload):
 *  - `GET  .../artifacts?path=<location>[/<dir>]`: one directory level,
 *    `{"files": [{"path": <name>, "is_dir", "file_size"}]}` (names relative to the listed directory, as MLflow);
 *  - `PUT  .../artifacts/<location>/<path>`: the raw body, streamed into the store;
 *  - `GET  .../artifacts/<location>/<path>`: the file.
 */
export async function listMlflowArtifacts(c: ProjectContext): Promise<Response> {
  const location = c.url.searchParams.get("path") ?? "";
  if (!location) return json({});
  const loc = locationOf(location);
  const level = directoryLevel(await filesAt(c, loc), loc.path);
  if (!level.length) return json({});
  return json({
    files: level.map((e) => (e.isDir ? { path: e.name, is_dir: true } : { path: e.name, is_dir: false, file_size: e.size })),
  });
}

/** One file's bytes, streamed, with its sha256 as ETag. */
function fileResponse(file: { path: string; size: number; sha256: string }): Response {
  const name = file.path.split("/").pop() ?? "artifact";
  return new Response(Readable.toWeb(artifactStore().open(file.sha256)) as ReadableStream, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(file.size),
      "content-disposition": `attachment; filename="${name.replace(/[^\w.-]+/g, "_")}"`,
      etag: `"${file.sha256}"`,
    },
  });
}

/** `GET` or `PUT` of one file; `params.path` is the route's `*path`, decoded. */
export async function serveMlflowArtifact(req: Request, c: ProjectContext): Promise<Response> {
  const { db, project, params } = c;
  const loc = locationOf(params.path ?? "");
  checkRunArtifactPath(loc.path);
  const put = req.method === "PUT";
  const body = () => req.body ?? Readable.from([]);
  if (loc.kind === "version" || loc.kind === "trace") {
    if (put && loc.kind === "trace") {
      await putTraceData(c, req, loc.experimentId, loc.traceId, loc.path);
      return json({});
    }
    if (put) throw new DomainError("BAD_REQUEST", "A registered model version's files are immutable; log a new version instead", "path");
    const file = (await filesAt(c, { ...loc, path: "" })).find((f) => f.path === loc.path);
    if (!file) throw new DomainError("NOT_FOUND", `no artifact ${loc.path} at ${params.path}`, "path");
    return fileResponse(file);
  }
  if (loc.kind === "logged-model") {
    const m = await getLoggedModel(db, project.id, loc.modelId);
    if (m.experimentId !== loc.experimentId) throw new DomainError("NOT_FOUND", `logged model ${loc.modelId} not found`, "path");
    if (!put) return fileResponse(await loggedModelFile(db, project.id, m.id, loc.path));
    await putLoggedModelFile(db, project.id, m.id, loc.path, body());
    return json({});
  }
  const run = await getRun(db, project.id, loc.runId);
  if (run.experimentId !== loc.experimentId) throw new DomainError("NOT_FOUND", `run ${loc.runId} not found`, "path");
  if (!put) return downloadArtifact(db, project.id, run.id, loc.path);
  await putRunArtifact(db, project.id, run.id, loc.path, body());
  return json({});
}

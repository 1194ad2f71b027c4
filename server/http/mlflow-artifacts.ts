import { Readable } from "node:stream";
import { DomainError } from "../core/errors";
import { checkRunArtifactPath, directoryLevel, getRun, listRunArtifacts, putRunArtifact } from "../registry";
import type { ProjectContext } from "./entry";
import { downloadArtifact } from "./runs";

/**
 * `<experiment_id>/<run_id>/artifacts[/<path>]`, the tail of a run's artifact URI
 * (`mlflow-artifacts:/<experiment_id>/<run_id>/artifacts`), split; anything else is not a run's.
 */
function runLocation(location: string): { experimentId: string; runId: string; path: string } {
  const parts = location.split("/").filter(Boolean);
  if (parts.length < 3 || parts[2] !== "artifacts")
    throw new DomainError("NOT_FOUND", `No artifacts at ${location}: expected <experiment_id>/<run_id>/artifacts/<path>`, "path");
  return { experimentId: parts[0] as string, runId: parts[1] as string, path: parts.slice(3).join("/") };
}

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

/**
 * MLflow's artifact proxy, over a run's content-addressed files (the auth step checked project and
 * role first: a viewer learns nothing about which runs exist from a refused upload):
 *  - `GET  .../artifacts?path=<exp>/<run>/artifacts[/<dir>]`: one directory level,
 *    `{"files": [{"path": <name>, "is_dir", "file_size"}]}` (names relative to the listed directory, as MLflow);
 *  - `PUT  .../artifacts/<exp>/<run>/artifacts/<path>`: the raw body, streamed into the store;
 *  - `GET  .../artifacts/<exp>/<run>/artifacts/<path>`: the file.
 */
export async function listMlflowArtifacts({ db, project, url }: ProjectContext): Promise<Response> {
  const location = url.searchParams.get("path") ?? "";
  if (!location) return json({});
  const loc = runLocation(location);
  const run = await getRun(db, project.id, loc.runId);
  if (run.experimentId !== loc.experimentId) throw new DomainError("NOT_FOUND", `run ${loc.runId} not found`, "path");
  const files = await listRunArtifacts(db, project.id, run.id, loc.path);
  const level = directoryLevel(files, loc.path);
  if (!level.length) return json({});
  return json({
    files: level.map((e) => (e.isDir ? { path: e.name, is_dir: true } : { path: e.name, is_dir: false, file_size: e.size })),
  });
}

/** `GET` or `PUT` of one file; `params.path` is the route's `*path`, decoded. */
export async function serveMlflowArtifact(req: Request, { db, project, params }: ProjectContext): Promise<Response> {
  const loc = runLocation(params.path ?? "");
  checkRunArtifactPath(loc.path);
  const run = await getRun(db, project.id, loc.runId);
  if (run.experimentId !== loc.experimentId) throw new DomainError("NOT_FOUND", `run ${loc.runId} not found`, "path");
  if (req.method !== "PUT") return downloadArtifact(db, project.id, run.id, loc.path);
  await putRunArtifact(db, project.id, run.id, loc.path, req.body ?? Readable.from([]));
  return json({});
}

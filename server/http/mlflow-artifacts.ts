import { Readable } from "node:stream";
import { DomainError } from "../core/errors";
import { checkRunArtifactPath, directoryLevel, getRun, listRunArtifacts, putRunArtifact } from "../registry";
import { atLeast } from "../workspace";
import { downloadArtifact } from "./runs";
import { scopedAccess } from "./scope";

const PREFIX = "/api/2.0/mlflow-artifacts/artifacts";

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
 * MLflow's artifact proxy, over a run's content-addressed files:
 *  - `PUT  .../artifacts/<exp>/<run>/artifacts/<path>`: the raw body, streamed into the store;
 *  - `GET  .../artifacts/<exp>/<run>/artifacts/<path>`: the file;
 *  - `GET  .../artifacts?path=<exp>/<run>/artifacts[/<dir>]`: one directory level,
 *    `{"files": [{"path": <name>, "is_dir", "file_size"}]}` (names relative to the listed directory, as MLflow).
 */
export async function handleMlflowArtifacts(req: Request, url: URL): Promise<Response> {
  if (!url.pathname.startsWith(PREFIX) || (url.pathname.length > PREFIX.length && url.pathname[PREFIX.length] !== "/"))
    throw new DomainError("NOT_FOUND", `No endpoint ${req.method} ${url.pathname}`);
  const tail = url.pathname
    .slice(PREFIX.length)
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s))
    .join("/");
  const { db, project } = await scopedAccess(req);

  if (!tail) {
    if (req.method !== "GET") throw new DomainError("BAD_REQUEST", `${req.method} needs a file path`);
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

  // the role first: a viewer learns nothing about which runs exist from a refused upload
  if (req.method === "PUT" && !atLeast(project.role, "engineer"))
    throw new DomainError("FORBIDDEN", `You act as ${project.role} here; uploading needs engineer or higher`);
  const loc = runLocation(tail);
  checkRunArtifactPath(loc.path);
  const run = await getRun(db, project.id, loc.runId);
  if (run.experimentId !== loc.experimentId) throw new DomainError("NOT_FOUND", `run ${loc.runId} not found`, "path");
  if (req.method === "PUT") {
    await putRunArtifact(db, project.id, run.id, loc.path, req.body ?? Readable.from([]));
    return json({});
  }
  if (req.method === "GET") return downloadArtifact(db, project.id, run.id, loc.path);
  throw new DomainError("BAD_REQUEST", `${req.method} is not supported for artifacts; use GET or PUT`);
}

import { DomainError } from "../core/errors";
import {
  createModel,
  createVersion,
  deleteAlias,
  deleteModel,
  deleteVersion,
  type FileRef,
  getLoggedModel,
  getModel,
  listAliases,
  listLoggedModelFiles,
  listModels,
  listRunArtifacts,
  listVersions,
  mlflowShapes,
  type RegisteredModel,
  renameModel,
  requestMove,
  resolveVersion,
  setVersionTag,
  updateModel,
  updateVersion,
  type VersionView,
} from "../registry";
import { type MlflowContext, type MlflowRoute, mlflowError } from "./mlflow-core";

const { str, int64, keyValues, maxResults } = mlflowShapes;

const STATUS: Record<VersionView["status"], string> = {
  ready: "READY",
  archived: "READY",
  pending_upload: "PENDING_REGISTRATION",
  failed: "FAILED_REGISTRATION",
};

/**
 * A Keel version as MLflow's ModelVersion (stages are gone in MLflow 2.9+: aliases replace them).
 * Its tags are its params (fixed at creation) and its changeable tags, the latter winning.
 */
function toMlflowVersion(v: VersionView) {
  const fallback = v.source.kind === "logged_model" ? `models:/${v.source.modelId}` : `models:/${v.model}/${v.version}`;
  const source = v.source.kind === "uri" ? v.source.uri : String((v.metadata as { mlflowSource?: string }).mlflowSource ?? fallback);
  return {
    name: v.model,
    version: String(v.version),
    creation_timestamp: v.createdAt.getTime(),
    last_updated_timestamp: v.createdAt.getTime(),
    user_id: "",
    current_stage: v.status === "archived" ? "Archived" : "None",
    description: v.description ?? "",
    source,
    run_id: v.runId ?? "",
    status: STATUS[v.status],
    status_message: v.error ?? "",
    tags: Object.entries({ ...v.params, ...v.tags }).map(([key, value]) => ({ key, value })),
    run_link: "",
    aliases: v.aliases,
    ...(v.source.kind === "logged_model" ? { model_id: v.source.modelId } : {}),
  };
}

/**
 * Where MLflow's HTTP artifact repository lists and downloads a version's files: the artifact
 * proxy's `model-versions/<id>/artifacts` (mlflow-artifacts.ts), by id since names can change.
 * A version kept as an external URI answers that URI.
 */
export const versionDownloadUri = (v: VersionView) =>
  v.source.kind === "uri" ? v.source.uri : `mlflow-artifacts:/model-versions/${v.id}/artifacts`;

async function toMlflowModel(c: MlflowContext, m: RegisteredModel) {
  const [aliases, latest] = await Promise.all([
    listAliases(c.db, c.project.id, m.name),
    listVersions(c.db, c.project.id, m.name, { limit: 1 }),
  ]);
  return {
    name: m.name,
    creation_timestamp: m.createdAt.getTime(),
    last_updated_timestamp: m.updatedAt.getTime(),
    user_id: "",
    description: m.description ?? "",
    latest_versions: latest.items.map(toMlflowVersion),
    tags: Object.entries(m.tags).map(([key, value]) => ({ key, value })),
    aliases: aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  };
}

const versionOf = (c: MlflowContext) => {
  const n = int64(c.params, "version");
  if (n === undefined) throw new DomainError("BAD_REQUEST", "Missing value for required parameter 'version'.", "version");
  return n;
};
const nameOf = (c: MlflowContext) => str(c.params, "name", true);

/** `name = 'x'`, `name LIKE '%x%'` (and ILIKE) — the registered-model filters MLflow clients send. */
function nameFilter(filter: string | undefined): { exact?: string; like?: string } {
  if (!filter?.trim()) return {};
  const m = filter.trim().match(/^name\s*(=|LIKE|ILIKE)\s*(['"])(.*)\2$/i);
  if (!m)
    throw new DomainError("BAD_REQUEST", `Unsupported filter ${JSON.stringify(filter)}: use name = '...' or name LIKE '%...%'`, "filter");
  const [, op, , value] = m as unknown as [string, string, string, string];
  return op === "=" ? { exact: value } : { like: value.replace(/^%|%$/g, "") };
}

const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;

/** The files under `dir` of a list, with paths made relative to it. */
const under = (list: readonly FileRef[], dir: string): FileRef[] =>
  list.map((f) => ({ path: dir ? f.path.slice(dir.length + 1) : f.path, sha256: f.sha256, size: f.size }));

/**
 * The files a version gets from an MLflow 3 logged model: `model_id`, a `models:/<model_id>` source,
 * or one under the model's artifact location. Null when the source names none.
 */
async function loggedModelFiles(c: MlflowContext, source: string) {
  const viaUri = source.match(/^models:\/([^/@]+)\/?$/);
  const viaArtifacts = source.match(/^mlflow-artifacts:\/[^/]+\/models\/([^/]+)\/artifacts\/?(.*)$/);
  const id = str(c.params, "model_id") ?? (viaUri && LOGGED_MODEL_ID.test(viaUri[1] as string) ? viaUri[1] : viaArtifacts?.[1]);
  if (!id) return null;
  const model = await getLoggedModel(c.db, c.project.id, id);
  if (model.status === "failed")
    throw new DomainError("PRECONDITION_FAILED", `logged model ${id} failed its upload; log it again before registering it`, "model_id");
  const dir = (viaArtifacts?.[1] === id ? (viaArtifacts[2] ?? "") : "").replace(/\/+$/, "");
  const files = under(await listLoggedModelFiles(c.db, c.project.id, id, dir), dir);
  if (!files.length)
    throw new DomainError("BAD_REQUEST", `logged model ${id} has no files${dir ? ` under ${dir}` : ""}; log its artifacts first`, "source");
  return { model, files };
}

/**
 * A version from `source` and `run_id`: when the source points into the run's artifacts
 * (`mlflow-artifacts:/<exp>/<run>/artifacts/<dir>` or `runs:/<run>/<dir>`), or at an MLflow 3 logged
 * model (`model_id`, `models:/<model_id>`), those files become the version's files
 * (content-addressed, nothing copied); any other source is kept as an external URI.
 */
async function createFromSource(c: MlflowContext) {
  const name = nameOf(c);
  const modelId = str(c.params, "model_id");
  const source = modelId ? (str(c.params, "source") ?? `models:/${modelId}`) : str(c.params, "source", true);
  const runId = str(c.params, "run_id");
  const tags = keyValues(c.params.tags, "tags", "last");
  const description = str(c.params, "description");
  const base = { description, metadata: { mlflowSource: source } };
  const logged = await loggedModelFiles(c, source);
  if (logged) {
    const run = runId ?? logged.model.sourceRunId ?? undefined;
    const meta = { ...base, lineage: run ? { runId: run } : undefined };
    const v = await createVersion(c.db, c.actor, c.project.id, name, {
      files: logged.files,
      meta,
      tags,
      source: { kind: "logged_model", modelId: logged.model.id },
    });
    return { model_version: toMlflowVersion(v) };
  }
  let dir: string | null = null;
  const viaRuns = source.match(/^runs:\/([^/]+)\/?(.*)$/);
  const viaArtifacts = source.match(/^mlflow-artifacts:\/[^/]+\/([^/]+)\/artifacts\/?(.*)$/);
  const run = viaRuns?.[1] ?? viaArtifacts?.[1] ?? null;
  if (run && (!runId || runId === run)) dir = (viaRuns?.[2] ?? viaArtifacts?.[2] ?? "").replace(/\/+$/, "");
  const files = run && dir !== null ? under(await listRunArtifacts(c.db, c.project.id, run, dir ? `${dir}/` : ""), dir) : [];
  const meta = { ...base, lineage: runId || run ? { runId: (runId ?? run) as string } : undefined };
  const v = files.length
    ? await createVersion(c.db, c.actor, c.project.id, name, { files, meta, tags, source: { kind: "run", runId: run as string } })
    : await createVersion(c.db, c.actor, c.project.id, name, { uri: source, meta, tags, source: { kind: "uri", uri: source } });
  return { model_version: toMlflowVersion(v) };
}

export const MLFLOW_REGISTRY_ROUTES: MlflowRoute[] = [
  {
    method: "POST",
    path: "/registered-models/create",
    write: true,
    handle: async (c) => {
      const m = await createModel(c.db, c.actor, c.project.id, {
        name: nameOf(c),
        description: str(c.params, "description"),
        tags: keyValues(c.params.tags, "tags", "last"),
      });
      return { registered_model: await toMlflowModel(c, m) };
    },
  },
  {
    method: "GET",
    path: "/registered-models/get",
    handle: async (c) => ({ registered_model: await toMlflowModel(c, await getModel(c.db, c.project.id, nameOf(c), { kind: "model" })) }),
  },
  {
    method: "PATCH",
    path: "/registered-models/update",
    write: true,
    handle: async (c) => {
      const m = await updateModel(c.db, c.actor, c.project.id, { model: nameOf(c), description: str(c.params, "description") ?? null });
      return { registered_model: await toMlflowModel(c, m) };
    },
  },
  {
    method: "POST",
    path: "/registered-models/set-tag",
    write: true,
    handle: async (c) => {
      const m = await getModel(c.db, c.project.id, nameOf(c));
      await updateModel(c.db, c.actor, c.project.id, {
        model: m.name,
        tags: { ...m.tags, [str(c.params, "key", true)]: str(c.params, "value") ?? "" },
      });
      return {};
    },
  },
  {
    method: "DELETE",
    path: "/registered-models/delete-tag",
    write: true,
    handle: async (c) => {
      const m = await getModel(c.db, c.project.id, nameOf(c));
      const { [str(c.params, "key", true)]: _gone, ...tags } = m.tags;
      await updateModel(c.db, c.actor, c.project.id, { model: m.name, tags });
      return {};
    },
  },
  ...(["GET", "POST"] as const).map(
    (method): MlflowRoute => ({
      method,
      path: "/registered-models/search",
      handle: async (c) => {
        const f = nameFilter(str(c.params, "filter"));
        const limit = maxResults(c.params, 100, 1000);
        if (f.exact) {
          const m = await getModel(c.db, c.project.id, f.exact, { kind: "model" }).catch(() => null);
          return { registered_models: m ? [await toMlflowModel(c, m)] : [] };
        }
        const page = await listModels(c.db, c.project.id, { limit, q: f.like, cursor: str(c.params, "page_token") });
        const out: Record<string, unknown> = { registered_models: await Promise.all(page.items.map((m) => toMlflowModel(c, m))) };
        if (page.nextCursor) out.next_page_token = page.nextCursor;
        return out;
      },
    }),
  ),
  {
    method: "POST",
    path: "/registered-models/get-latest-versions",
    handle: async (c) => {
      const page = await listVersions(c.db, c.project.id, nameOf(c), { limit: 1, status: ["ready"] });
      return { model_versions: page.items.map(toMlflowVersion) };
    },
  },
  {
    method: "POST",
    path: "/registered-models/alias",
    write: true,
    handle: async (c) => {
      const r = await requestMove(c.db, c.actor, c.project.id, {
        model: nameOf(c),
        alias: str(c.params, "alias", true),
        version: versionOf(c),
        reason: "set through the MLflow API",
      });
      if (r.status === "pending")
        return mlflowError(
          "INVALID_STATE",
          `Moving ${r.alias} to version ${r.version} waits for approval (request ${r.request.id}) in Keel`,
          202,
        );
      return {};
    },
  },
  {
    method: "DELETE",
    path: "/registered-models/alias",
    write: true,
    handle: async (c) => {
      await deleteAlias(c.db, c.actor, c.project.role, c.project.id, { model: nameOf(c), alias: str(c.params, "alias", true) });
      return {};
    },
  },
  {
    method: "GET",
    path: "/registered-models/alias",
    handle: async (c) => ({
      model_version: toMlflowVersion(await resolveVersion(c.db, c.project.id, nameOf(c), str(c.params, "alias", true))),
    }),
  },
  {
    method: "DELETE",
    path: "/registered-models/delete",
    write: true,
    handle: async (c) => {
      await deleteModel(c.db, c.actor, c.project.id, nameOf(c));
      return {};
    },
  },
  {
    method: "POST",
    path: "/registered-models/rename",
    write: true,
    handle: async (c) => {
      const m = await renameModel(c.db, c.actor, c.project.id, nameOf(c), str(c.params, "new_name", true));
      return { registered_model: await toMlflowModel(c, m) };
    },
  },
  { method: "POST", path: "/model-versions/create", write: true, handle: createFromSource },
  {
    method: "PATCH",
    path: "/model-versions/update",
    write: true,
    handle: async (c) => {
      const description = str(c.params, "description") ?? null;
      const v = await updateVersion(c.db, c.actor, c.project.id, { model: nameOf(c), version: versionOf(c), description });
      return { model_version: toMlflowVersion(v) };
    },
  },
  {
    method: "DELETE",
    path: "/model-versions/delete",
    write: true,
    handle: async (c) => {
      await deleteVersion(c.db, c.actor, c.project.id, nameOf(c), versionOf(c));
      return {};
    },
  },
  {
    method: "POST",
    path: "/model-versions/set-tag",
    write: true,
    handle: async (c) => {
      const value = c.params.value ?? "";
      if (typeof value !== "string")
        throw new DomainError("BAD_REQUEST", `Invalid value ${JSON.stringify(value)} for parameter 'value': expected a string`, "value");
      await setVersionTag(c.db, c.actor, c.project.id, { model: nameOf(c), version: versionOf(c), key: str(c.params, "key", true), value });
      return {};
    },
  },
  {
    method: "DELETE",
    path: "/model-versions/delete-tag",
    write: true,
    handle: async (c) => {
      await setVersionTag(c.db, c.actor, c.project.id, {
        model: nameOf(c),
        version: versionOf(c),
        key: str(c.params, "key", true),
        value: null,
      });
      return {};
    },
  },
  {
    method: "GET",
    path: "/model-versions/get",
    handle: async (c) => ({ model_version: toMlflowVersion(await resolveVersion(c.db, c.project.id, nameOf(c), versionOf(c))) }),
  },
  {
    method: "GET",
    path: "/model-versions/get-download-uri",
    handle: async (c) => ({ artifact_uri: versionDownloadUri(await resolveVersion(c.db, c.project.id, nameOf(c), versionOf(c))) }),
  },
  ...(["GET", "POST"] as const).map(
    (method): MlflowRoute => ({
      method,
      path: "/model-versions/search",
      handle: async (c) => {
        const filter = str(c.params, "filter") ?? "";
        const m = filter.trim().match(/^name\s*=\s*(['"])(.*)\1$/);
        if (!m) throw new DomainError("BAD_REQUEST", `Unsupported filter ${JSON.stringify(filter)}: use name = '...'`, "filter");
        // prompts are registered models of kind prompt: model version searches leave theirs out
        if ((await getModel(c.db, c.project.id, m[2] as string).catch(() => null))?.kind === "prompt") return { model_versions: [] };
        const page = await listVersions(c.db, c.project.id, m[2] as string, {
          limit: maxResults(c.params, 200, 1000),
          cursor: str(c.params, "page_token"),
        });
        const out: Record<string, unknown> = { model_versions: page.items.map(toMlflowVersion) };
        if (page.nextCursor) out.next_page_token = page.nextCursor;
        return out;
      },
    }),
  ),
];

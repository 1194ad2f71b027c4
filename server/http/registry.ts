import { Readable } from "node:stream";
import busboy from "busboy";
import { artifactStore, type StagedBlob } from "../core/artifacts";
import { DomainError, forbidden, notFound, parseOrThrow } from "../core/errors";
import { parseJsonStrict } from "../core/json-guard";
import { createVersion, getModel, resolveVersion, versionFiles, versionMetaInput } from "../registry";
import { createCaller } from "../trpc/root";
import { actorOf, atLeast } from "../workspace";
import { json, jsonError } from "./json";
import { readJsonObject } from "./request";
import { matchPath, type Params, pickRoute, queryInput } from "./routes";
import { scopedAccess } from "./scope";

type Caller = ReturnType<typeof createCaller>;
type Body = Record<string, unknown>;
interface Route {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  pattern: string;
  call: (api: Caller, ps: Params, body: Body, query: Body, projectId: string) => Promise<unknown>;
  /** the HTTP status for a result (default 200) */
  status?: (result: unknown) => number;
}

/** `12` is version 12; anything else is an alias. */
const ref = (s: string | undefined) => (s && /^\d{1,9}$/.test(s) ? Number(s) : (s ?? ""));
const num = (s: string | undefined) => (s && /^\d{1,9}$/.test(s) ? Number(s) : Number.NaN);

const ROUTES: Route[] = [
  {
    method: "GET",
    pattern: "/registry/models",
    call: (api, _, __, q, projectId) => api.registry.models.list({ ...q, projectId } as never),
  },
  {
    method: "POST",
    pattern: "/registry/models",
    status: () => 201,
    call: (api, _, b, __, projectId) => api.registry.models.create({ ...b, projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name",
    call: (api, ps, _, __, projectId) => api.registry.models.get({ model: ps.name ?? "", projectId }),
  },
  {
    method: "PATCH",
    pattern: "/registry/models/:name",
    call: (api, ps, b, __, projectId) => api.registry.models.update({ ...b, model: ps.name, projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/versions",
    call: (api, ps, _, q, projectId) => api.registry.versions.list({ ...q, model: ps.name, projectId } as never),
  },
  {
    method: "POST",
    pattern: "/registry/models/:name/versions",
    status: () => 201,
    call: (api, ps, b, __, projectId) =>
      b.runId !== undefined
        ? api.registry.versions.createFromRun({ ...b, model: ps.name, projectId } as never)
        : api.registry.versions.createFromUri({ ...b, model: ps.name, projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/versions/:ref",
    call: (api, ps, _, __, projectId) => api.registry.versions.get({ model: ps.name ?? "", version: ref(ps.ref), projectId }),
  },
  {
    method: "PATCH",
    pattern: "/registry/models/:name/versions/:n",
    call: (api, ps, b, __, projectId) => api.registry.versions.update({ ...b, model: ps.name, version: num(ps.n), projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/versions/:n/lineage",
    call: (api, ps, _, __, projectId) => api.registry.versions.lineage({ model: ps.name ?? "", version: num(ps.n), projectId }),
  },
  {
    method: "POST",
    pattern: "/registry/models/:name/versions/:n/evals",
    call: (api, ps, b, __, projectId) =>
      api.registry.versions.linkEvalRun({ ...b, model: ps.name, version: num(ps.n), projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/aliases",
    call: (api, ps, _, __, projectId) => api.registry.aliases.list({ model: ps.name ?? "", projectId }),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/aliases/:alias",
    call: (api, ps, _, __, projectId) => api.registry.versions.get({ model: ps.name ?? "", version: ps.alias ?? "", projectId }),
  },
  {
    method: "PUT",
    pattern: "/registry/models/:name/aliases/:alias",
    status: (r) => ((r as { status: string }).status === "pending" ? 202 : 200),
    call: (api, ps, b, __, projectId) => api.registry.aliases.move({ ...b, model: ps.name, alias: ps.alias, projectId } as never),
  },
  {
    method: "DELETE",
    pattern: "/registry/models/:name/aliases/:alias",
    call: (api, ps, _, q, projectId) => api.registry.aliases.delete({ ...q, model: ps.name, alias: ps.alias, projectId } as never),
  },
  {
    method: "POST",
    pattern: "/registry/models/:name/aliases/:alias/rollback",
    call: (api, ps, b, __, projectId) => api.registry.aliases.rollback({ ...b, model: ps.name, alias: ps.alias, projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/aliases/:alias/history",
    call: (api, ps, _, q, projectId) => api.registry.aliases.history({ ...q, model: ps.name, alias: ps.alias, projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/history",
    call: (api, ps, _, q, projectId) => api.registry.aliases.history({ ...q, model: ps.name, projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/models/:name/policy",
    call: (api, ps, _, __, projectId) => api.registry.approvals.policy({ model: ps.name ?? "", projectId }),
  },
  {
    method: "PUT",
    pattern: "/registry/models/:name/policy",
    call: (api, ps, b, __, projectId) => api.registry.approvals.setPolicy({ ...b, model: ps.name, projectId } as never),
  },
  {
    method: "DELETE",
    pattern: "/registry/models/:name/policy",
    call: (api, ps, _, __, projectId) => api.registry.approvals.deletePolicy({ model: ps.name ?? "", projectId }),
  },
  {
    method: "GET",
    pattern: "/registry/approvals",
    call: (api, _, __, q, projectId) => api.registry.approvals.list({ ...q, projectId } as never),
  },
  {
    method: "GET",
    pattern: "/registry/approvals/:id",
    call: (api, ps, _, __, projectId) => api.registry.approvals.get({ requestId: ps.id ?? "", projectId }),
  },
  ...(["approve", "reject"] as const).map(
    (decision): Route => ({
      method: "POST",
      pattern: `/registry/approvals/:id/${decision}`,
      call: (api, ps, b, __, projectId) => api.registry.approvals.vote({ ...b, decision, requestId: ps.id, projectId } as never),
    }),
  ),
  {
    method: "POST",
    pattern: "/registry/approvals/:id/cancel",
    call: (api, ps, _, __, projectId) => api.registry.approvals.cancel({ requestId: ps.id ?? "", projectId }),
  },
];

/** Collect a multipart upload: `file` parts staged to disk as they stream, `sha256` parts in order, one `meta` JSON part. */
function readMultipart(req: Request): Promise<{ staged: { path: string; blob: StagedBlob }[]; shas: string[]; meta: unknown }> {
  const store = artifactStore();
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { "content-type": req.headers.get("content-type") ?? "" },
        preservePath: true,
        // browsers and fetch send a file name's UTF-8 bytes as they are; busboy's default reads them as latin1
        defParamCharset: "utf8",
        limits: { fieldSize: 1024 * 1024 },
      });
    } catch (err) {
      return reject(new DomainError("BAD_REQUEST", `not a multipart body: ${(err as Error).message}`));
    }
    const pending: Promise<{ path: string; blob: StagedBlob }>[] = [];
    const shas: string[] = [];
    let meta: unknown;
    let failure: Error | null = null;
    const fail = (err: Error) => {
      failure ??= err;
    };
    bb.on("file", (name, stream, info) => {
      if (name !== "file") {
        stream.resume();
        return fail(new DomainError("BAD_REQUEST", `unexpected file part ${JSON.stringify(name)}; send files as "file" parts`, name));
      }
      const path = info.filename ?? "";
      pending.push(store.stage(stream).then((blob) => ({ path, blob })));
    });
    bb.on("field", (name, value, info) => {
      if (info.valueTruncated) return fail(new DomainError("BAD_REQUEST", `part ${name} is over 1 MB`, name));
      if (name === "sha256") shas.push(value.trim().toLowerCase());
      else if (name === "meta") {
        try {
          meta = parseJsonStrict(value, { root: "meta", what: "meta part" });
        } catch (err) {
          fail(err instanceof DomainError ? new DomainError("BAD_REQUEST", err.message, "meta") : (err as Error));
        }
      } else fail(new DomainError("BAD_REQUEST", `unexpected part ${JSON.stringify(name)}; parts are file, sha256 and meta`, name));
    });
    const settle = async (err: Error | null) => {
      const results = await Promise.allSettled(pending);
      const staged = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const firstErr = err ?? failure ?? (results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined)?.reason;
      if (firstErr) {
        await store.discard(staged.map((s) => s.blob));
        return reject(firstErr);
      }
      resolve({ staged, shas, meta });
    };
    bb.on("close", () => void settle(null));
    bb.on("error", (err) => void settle(new DomainError("BAD_REQUEST", `upload interrupted or malformed: ${(err as Error).message}`)));
    if (!req.body) return void settle(new DomainError("BAD_REQUEST", "the upload has no body"));
    const source = Readable.fromWeb(req.body as import("node:stream/web").ReadableStream);
    source.on("error", (err) => bb.destroy(err));
    source.pipe(bb);
  });
}

/**
 * `POST /registry/models/{name}/versions` as multipart: each `file` part's file name is its artifact
 * path; the i-th `sha256` part (optional) must equal the i-th file's digest. Files stream to disk;
 * the version is created, ready, only after every byte arrived and matched: a mismatch (400) or an
 * interrupted upload leaves no version and no staged file.
 */
async function handleUpload(req: Request, model: string): Promise<Response> {
  const { db, principal, project } = await scopedAccess(req);
  if (!atLeast(project.role, "engineer"))
    throw forbidden(`You act as ${project.role} here; registering a version needs engineer or higher`);
  await getModel(db, project.id, model);
  const { staged, shas, meta } = await readMultipart(req);
  const store = artifactStore();
  try {
    if (!staged.length) throw new DomainError("BAD_REQUEST", "the upload has no file parts", "file");
    if (shas.length > staged.length)
      throw new DomainError("BAD_REQUEST", `${shas.length} sha256 parts for ${staged.length} files`, "sha256");
    for (const [i, declared] of shas.entries()) {
      const got = staged[i] as { path: string; blob: StagedBlob };
      if (declared !== got.blob.sha256)
        throw new DomainError(
          "BAD_REQUEST",
          `file ${got.path}: declared sha256 ${declared} but the bytes received hash to ${got.blob.sha256}`,
          `sha256.${i}`,
        );
    }
    const parsedMeta = parseOrThrow(versionMetaInput, meta ?? {}, "meta");
    for (const s of staged) await store.commit(s.blob);
    const files = staged.map((s) => ({ path: s.path, sha256: s.blob.sha256, size: s.blob.size }));
    const version = await createVersion(db, actorOf(principal), project.id, model, {
      files,
      meta: parsedMeta,
      source: { kind: "upload" },
    });
    return json({ ...version, files }, 201);
  } finally {
    await store.discard(staged.map((s) => s.blob));
  }
}

const TYPES: Record<string, string> = { json: "application/json", txt: "text/plain; charset=utf-8", md: "text/markdown; charset=utf-8" };

/** `GET .../versions/{n|alias}/artifacts/{path}`: the file, streamed, with its sha256 as ETag. */
async function handleDownload(req: Request, model: string, versionRef: string, path: string): Promise<Response> {
  const { db, project } = await scopedAccess(req);
  const version = await resolveVersion(db, project.id, model, ref(versionRef));
  const file = (await versionFiles(db, version.id)).find((f) => f.path === path);
  if (!file) throw notFound(`file ${path} in version ${version.version} of model ${model}`);
  const etag = `"${file.sha256}"`;
  const headers = {
    etag,
    "x-content-sha256": file.sha256,
    "x-model-version": String(version.version),
    "cache-control": "private, max-age=31536000, immutable",
  };
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  const stream = artifactStore().open(file.sha256);
  const name = path.split("/").pop() ?? "artifact";
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      ...headers,
      "content-type": TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream",
      "content-length": String(file.size),
      "content-disposition": `attachment; filename="${name.replace(/[^\w.-]+/g, "_")}"`,
    },
  });
}

/** `/api/v1/registry/...`: models, versions, artifacts, aliases, policies and approvals (project from the key or ?project=). */
export async function handleRegistry(req: Request, path: string): Promise<Response> {
  try {
    const up = matchPath("/registry/models/:name/versions", path);
    if (up && req.method === "POST" && (req.headers.get("content-type") ?? "").startsWith("multipart/form-data"))
      return await handleUpload(req, up.name ?? "");
    const dl = matchPath("/registry/models/:name/versions/:ref/artifacts/*path", path);
    if (dl && req.method === "GET") return await handleDownload(req, dl.name ?? "", dl.ref ?? "", dl.path ?? "");
    const list = matchPath("/registry/models/:name/versions/:ref/artifacts", path);
    if (list && req.method === "GET") {
      const { db, project } = await scopedAccess(req);
      const version = await resolveVersion(db, project.id, list.name ?? "", ref(list.ref));
      return json({ version: version.version, files: await versionFiles(db, version.id) });
    }
    const picked = pickRoute(ROUTES, req.method, path);
    if (picked instanceof Response) return picked;
    const body: Body = ["POST", "PATCH", "PUT"].includes(req.method) ? await readJsonObject(req) : {};
    const { project, ctx } = await scopedAccess(req);
    const result = await picked.route.call(createCaller(ctx), picked.params, body, queryInput(new URL(req.url)), project.id);
    return json(result, picked.route.status?.(result) ?? 200);
  } catch (err) {
    return jsonError(err);
  }
}

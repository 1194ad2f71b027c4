import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Database } from "../db/client";
import { artifactStore } from "../server/core/artifacts";
import { DomainError } from "../server/core/errors";
import { checkArtifactPath, registerLocal, requestMove, resolveVersion, versionFiles } from "../server/registry";
import { findProjectBySlug, SYSTEM_ACTOR } from "../server/workspace";

export interface ModelsOptions {
  project?: string;
  path?: string;
  "from-run"?: string;
  alias?: string;
  reason?: string;
  to?: string;
}

/** `name@alias` or `name:version` (a bare name means @production). */
export function parseModelRef(text: string): { model: string; ref: number | string } {
  const at = text.lastIndexOf("@");
  if (at > 0) return { model: text.slice(0, at), ref: text.slice(at + 1) };
  const colon = text.lastIndexOf(":");
  if (colon > 0 && /^\d+$/.test(text.slice(colon + 1))) return { model: text.slice(0, colon), ref: Number(text.slice(colon + 1)) };
  return { model: text, ref: "production" };
}

async function projectId(d: Database, slug = "demo"): Promise<string> {
  const p = await findProjectBySlug(d.db, slug);
  if (!p) throw new DomainError("NOT_FOUND", `No project with slug ${slug}`, "project");
  return p.id;
}

/** The CLI talks to the database and artifact store of this data dir directly, as the system actor. */
export async function modelsCommand(
  d: Database,
  sub: string | undefined,
  args: string[],
  opts: ModelsOptions,
  say: (human: string, data: unknown) => void,
) {
  const pid = await projectId(d, opts.project);
  const arg = (i: number, what: string) => {
    const v = args[i];
    if (!v) throw new DomainError("BAD_REQUEST", `missing ${what}`, what);
    return v;
  };
  switch (sub) {
    case "register": {
      const name = arg(0, "NAME");
      if (!opts.path && !opts["from-run"]) throw new DomainError("BAD_REQUEST", "give --path DIR|FILE or --from-run RUN_ID", "path");
      const v = await registerLocal(d.db, SYSTEM_ACTOR, pid, name, { path: opts.path, fromRun: opts["from-run"] });
      return say(`${name} version ${v.version} registered (${v.fileCount} files, ${v.totalSize} bytes, ${v.format})`, {
        model: name,
        version: v.version,
        id: v.id,
        format: v.format,
        files: v.fileCount,
        bytes: v.totalSize,
      });
    }
    case "promote": {
      const name = arg(0, "NAME");
      const version = Number(arg(1, "VERSION"));
      if (!Number.isInteger(version) || version < 1) throw new DomainError("BAD_REQUEST", "VERSION must be a version number", "VERSION");
      if (!opts.alias) throw new DomainError("BAD_REQUEST", "missing --alias ALIAS", "alias");
      const r = await requestMove(d.db, SYSTEM_ACTOR, pid, { model: name, alias: opts.alias, version, reason: opts.reason });
      return say(
        r.status === "pending"
          ? `${name}@${opts.alias} -> ${version} waits for approval (request ${r.request.id})`
          : `${name}@${opts.alias} -> version ${version} (${r.status})`,
        r.status === "pending" ? { status: r.status, model: name, alias: opts.alias, version, requestId: r.request.id } : r,
      );
    }
    case "resolve": {
      const { model, ref } = parseModelRef(arg(0, "NAME@ALIAS"));
      const v = await resolveVersion(d.db, pid, model, ref);
      return say(`${model}@${ref} = version ${v.version} (${v.status}, ${v.format})`, {
        model,
        ref,
        version: v.version,
        id: v.id,
        status: v.status,
        format: v.format,
        aliases: v.aliases,
        metadata: v.metadata,
      });
    }
    case "download": {
      const { model, ref } = parseModelRef(arg(0, "NAME@ALIAS"));
      if (!opts.to) throw new DomainError("BAD_REQUEST", "missing --to DIR", "to");
      const v = await resolveVersion(d.db, pid, model, ref);
      const files = await versionFiles(d.db, v.id);
      const root = path.resolve(opts.to);
      for (const f of files) {
        if (checkArtifactPath(f.path)) throw new DomainError("BAD_REQUEST", `refusing to write ${f.path}`);
        const dest = path.join(root, ...f.path.split("/"));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        const hash = createHash("sha256");
        const src = artifactStore().open(f.sha256);
        src.on("data", (c) => hash.update(c));
        await pipeline(src, fs.createWriteStream(dest));
        if (hash.digest("hex") !== f.sha256) throw new Error(`artifact ${f.path} is corrupt in the store (sha256 differs)`);
      }
      return say(`${model} version ${v.version}: ${files.length} files written to ${root}`, {
        model,
        version: v.version,
        to: root,
        files: files.map((f) => f.path),
      });
    }
    default:
      throw new DomainError("BAD_REQUEST", `unknown models command: ${sub ?? "(none)"}; try register, promote, resolve or download`);
  }
}

import { DomainError } from "../core/errors";
import {
  addVersion,
  CSV_HEADER,
  type DatasetFormat,
  firstRowWithoutReference,
  formatRow,
  getVersionByNumber,
  MAX_UPLOAD_BYTES,
  openaiChatLine,
  rowPage,
  uploadParser,
} from "../datasets";
import type { ProjectContext } from "./entry";
import { json } from "./json";
import { readBodyBytes } from "./request";

const PAGE = 1000;

function formatOf(req: Request, url: URL): DatasetFormat {
  const q = url.searchParams.get("format");
  if (q) {
    if (q !== "jsonl" && q !== "csv") throw new DomainError("BAD_REQUEST", "format must be jsonl or csv", "format");
    return q;
  }
  const type = (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "text/csv") return "csv";
  if (["application/jsonl", "application/x-ndjson", "application/x-jsonlines", "application/jsonlines"].includes(type)) return "jsonl";
  throw new DomainError(
    "BAD_REQUEST",
    `Send the file with content-type application/jsonl, application/x-ndjson or text/csv, or ?format=jsonl|csv (got ${type || "none"})`,
    "format",
  );
}

/**
 * `POST /api/v1/projects/:p/datasets/:name/versions`: the file as the raw body (at most 50 MB),
 * engineer or higher; creates the dataset when missing. 201 with the version (`created: false` and
 * the latest version when the content is identical to it).
 */
export async function handleDatasetUpload(req: Request, { db, actor, project, url, params }: ProjectContext): Promise<Response> {
  const name = params.dataset ?? "";
  if (!name || name.length > 200 || /[\p{Cc}]/u.test(name) || name.trim() !== name)
    throw new DomainError("BAD_REQUEST", "dataset name must be 1 to 200 printable characters", "name");
  const format = formatOf(req, url);
  const bytes = await readBodyBytes(req, MAX_UPLOAD_BYTES);
  // off the event loop for big files: a worker thread, two at a time (429 past a short queue)
  const parsed = await uploadParser.parse(bytes, format);
  const version = await addVersion(db, actor, project.id, name, parsed, {
    kind: "upload",
    format,
    filename: url.searchParams.get("filename"),
  });
  return json(version, 201);
}

/**
 * `GET /api/v1/projects/:p/datasets/:name/versions/:version/download?format=jsonl|csv|openai[&split=S]`:
 * the rows in order (only those whose metadata.split is S, with `split`), streamed in keyset pages of
 * 1,000. `openai` is OpenAI's chat fine-tuning JSONL (`{"messages": [...]}`, the reference as the
 * assistant's answer); every row must have a reference. Any member (or secret key) of the project.
 */
export async function handleDatasetDownload({ db, project, url, params }: ProjectContext): Promise<Response> {
  const name = params.dataset ?? "";
  const versionText = params.version ?? "";
  const format = url.searchParams.get("format") ?? "jsonl";
  if (format !== "jsonl" && format !== "csv" && format !== "openai")
    throw new DomainError("BAD_REQUEST", "format must be jsonl, csv or openai", "format");
  const split = url.searchParams.get("split") ?? undefined;
  if (split !== undefined && !/^[\w-]{1,50}$/.test(split))
    throw new DomainError("BAD_REQUEST", "split must be a split name such as train or test", "split");
  if (!/^\d{1,9}$/.test(versionText)) throw new DomainError("BAD_REQUEST", "version must be a version number", "version");
  const version = await getVersionByNumber(db, project.id, name, Number(versionText));
  if (format === "openai") {
    const missing = await firstRowWithoutReference(db, project.id, version.id, split);
    if (missing !== null)
      throw new DomainError(
        "BAD_REQUEST",
        `row ${missing} has no reference, which the openai format needs as the assistant's answer`,
        "format",
      );
  }
  const enc = new TextEncoder();
  let cursor: string | undefined;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started && format === "csv") controller.enqueue(enc.encode(CSV_HEADER));
      started = true;
      const page = await rowPage(db, project.id, version.id, { cursor, limit: PAGE, split });
      const text = page.items.map(({ idx: _idx, ...row }) => (format === "openai" ? openaiChatLine(row) : formatRow(row, format))).join("");
      if (text) controller.enqueue(enc.encode(text));
      cursor = page.nextCursor ?? undefined;
      if (!cursor) controller.close();
    },
  });
  const file = `${name.replace(/[^\w.-]+/g, "_")}-v${version.version}${split ? `-${split}` : ""}${format === "openai" ? ".openai.jsonl" : `.${format}`}`;
  return new Response(body, {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
      "content-disposition": `attachment; filename="${file}"`,
      "x-content-hash": version.contentHash,
      "cache-control": "no-store",
    },
  });
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFromLogsFields, datasetName, MAX_UPLOAD_BYTES, uploadFileInput } from "../../server/datasets/inputs";
import { handleTrpc } from "../../server/http/trpc";
import { handleV1 } from "../../server/http/v1";
import { makeKey, makeProject, req, trpcError } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/*
 * The datasets forms' schemas (server/datasets/inputs.ts) are the ones the API checks: what the
 * browser refuses, the server refuses with the same words, naming the field the form shows it under.
 */

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

const trpc = async (path: string, input: Record<string, unknown>) => {
  const res = await handleTrpc(req(`/api/trpc/${path}`, { method: "POST", key, json: { json: { projectId: p.project.slug, ...input } } }));
  return { status: res.status, error: res.status >= 400 ? trpcError(await res.json()) : null };
};
const firstMessage = (r: { success: boolean; error?: { issues: { message: string }[] } }) => r.error?.issues[0]?.message;

describe("datasets form schemas", () => {
  it("refuses a name with a slash, a held-out share over 0.9 and a minimum without a rating name, naming each field", async () => {
    const slash = firstMessage(datasetName.safeParse("a/b"));
    expect(slash).toBe("must be printable, without slashes or leading spaces");
    const created = await trpc("datasets.create", { name: "a/b" });
    expect(created.error).toMatchObject({ code: "BAD_REQUEST", field: "name" });
    expect(created.error?.message).toContain(slash);

    const share = firstMessage(buildFromLogsFields.safeParse({ name: "x", heldOut: 0.95 }));
    expect(share).toBe("the held-out share is a number from 0 to 0.9 (blank: no split)");
    const built = await trpc("datasets.buildFromLogs", { name: "x", heldOut: 0.95 });
    expect(built.error).toMatchObject({ code: "BAD_REQUEST", field: "heldOut" });
    expect(built.error?.message).toContain(share);

    const noName = await trpc("datasets.buildFromLogs", { name: "x", rating: { name: "", min: 1 } });
    expect(noName.error).toMatchObject({ field: "rating.name" });
    expect(noName.error?.message).toContain("enter the rating name the minimum applies to");
    // the form's filter boxes become the logs domain's trace filter, checked by the server alone
    const empty = await trpc("datasets.buildFromLogs", { name: "x", filter: { tags: ["never-logged"] } });
    expect(empty.error).toMatchObject({ field: "filter", message: "no traces match the filter and rating condition" });
  });

  it("checks a file's extension and size before sending; a parse error names the file with its line", async () => {
    expect(uploadFileInput.safeParse({ name: "rows.jsonl", size: 10 }).success).toBe(true);
    expect(firstMessage(uploadFileInput.safeParse({ name: "rows.txt", size: 10 }))).toBe(
      "the file name must end in .jsonl, .ndjson or .csv",
    );
    expect(firstMessage(uploadFileInput.safeParse({ name: "rows.csv", size: MAX_UPLOAD_BYTES + 1 }))).toBe(
      "the file is over 50 MB, the upload limit",
    );
    const csv = 'input,reference\n"hello" world,hi\n';
    const res = await handleV1(
      req(`/api/v1/projects/${p.project.slug}/datasets/qa/versions?format=csv&filename=rows.csv`, { method: "POST", key, body: csv }),
    );
    expect(res.status).toBe(400);
    const e = ((await res.json()) as { error: { message: string; field: string } }).error;
    expect(e.field).toBe("file");
    expect(e.message).toMatch(/^line 2, column \d+: /);
  });
});

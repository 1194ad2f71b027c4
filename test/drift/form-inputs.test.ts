import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_DRAFT, inputOfDraft, monitorForm, previewForm } from "../../app/(console)/[projectId]/drift/_components/draft";
import { handleTrpc } from "../../server/http/trpc";
import { makeKey, makeProject, req, trpcError } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/*
 * The monitor form checks its draft with the server's monitor schemas (server/drift/inputs.ts):
 * what the browser refuses, monitors.create refuses with the same words at the same path, so both
 * land beside one field.
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

const create = async (input: unknown) => {
  const res = await handleTrpc(
    req("/api/trpc/drift.monitors.create", { method: "POST", key, json: { json: { projectId: p.project.slug, ...(input as object) } } }),
  );
  return { status: res.status, error: res.status >= 400 ? trpcError(await res.json()) : null };
};
const draft = (over: Partial<typeof EMPTY_DRAFT>) => ({ ...EMPTY_DRAFT, name: "traffic", ...over });

describe("the monitor form's schemas are the API's", () => {
  it.each([
    ["an empty name", draft({ name: " " }), "name", "give the monitor a name"],
    ["a drift share of 2", draft({ driftShare: "2" }), "config.driftShare", "the drift share is a number above 0, at most 1"],
    ["a minimum of 0 rows", draft({ minSamples: "0" }), "config.minSamples", "minimum rows is a whole number from 1 to 1,000,000"],
    [
      "a threshold that is no number",
      draft({ columns: [{ name: "latency_ms", type: "", stattest: "", threshold: "abc" }] }),
      "config.columns.0.threshold",
      "the threshold is a number",
    ],
    [
      "5 texts per window",
      draft({ embeddings: { ...EMPTY_DRAFT.embeddings, on: true, maxRows: "5" } }),
      "config.embeddings.maxRows",
      "texts per window is a whole number from 10 to 20,000",
    ],
    [
      "a reference range without its start",
      draft({ reference: { ...EMPTY_DRAFT.reference, kind: "range", to: "2026-01-02T00:00" } }),
      "config.reference.from",
      "give the reference range's start as a date and time",
    ],
    ["no column", draft({ columns: [] }), "config.columns", "name at least one column"],
  ])("refuses %s in the browser and on the server, at one path", async (_, bad, path, message) => {
    const browser = monitorForm.safeParse(bad);
    expect(browser.success).toBe(false);
    const first = browser.error?.issues[0];
    expect([first?.path.join("."), first?.message]).toEqual([path, message]);
    // the body the form would send were it not checked: the server names the same path, in the same words
    const sent = await create(inputOfDraft(bad));
    expect(sent.status).toBe(400);
    expect(sent.error?.field).toBe(path);
    expect(sent.error?.message).toBe(`${path}: ${message}`);
  });

  it("previews a configuration without a name, checking the configuration alone", () => {
    expect(previewForm.safeParse(draft({ name: "" })).success).toBe(true);
    const bad = previewForm.safeParse(draft({ name: "", driftShare: "0" }));
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["config.driftShare"]);
  });
});

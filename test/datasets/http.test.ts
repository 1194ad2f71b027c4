import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleV1 } from "../../server/http/v1";
import { makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

const path = (name: string, rest = "") => `/api/v1/projects/${p.project.id}/datasets/${encodeURIComponent(name)}/versions${rest}`;
const post = (name: string, body: BodyInit, type: string, k = key) =>
  handleV1(req(path(name), { method: "POST", key: k, body, headers: { "content-type": type } }));
const errorOf = async (res: Response) => ((await res.json()) as { error: { message: string; code: string } }).error;

const CSV = 'input,references,prediction,metadata\r\n"Hello, ""world""\nagain","[""a"",""b""]",,"{""k"":1}"\r\nplain,single ref,pred,\r\n';

describe("datasets over HTTP", () => {
  it("uploads CSV and JSONL, and downloads the same content (hash round trip)", async () => {
    const res = await post("csv-set", CSV, "text/csv");
    expect(res.status).toBe(201);
    const v = (await res.json()) as { version: number; rowCount: number; contentHash: string; columns: string[] };
    expect(v).toMatchObject({ version: 1, rowCount: 2, columns: ["input", "references", "prediction", "metadata"] });

    for (const format of ["jsonl", "csv"] as const) {
      const dl = await handleV1(req(path("csv-set", `/1/download?format=${format}`), { key }));
      expect(dl.status).toBe(200);
      expect(dl.headers.get("x-content-hash")).toBe(v.contentHash);
      const text = await dl.text();
      // upload the download as a new dataset: same content, same hash
      const back = await post(`copy-${format}`, text, format === "csv" ? "text/csv" : "application/x-ndjson");
      expect(back.status).toBe(201);
      expect(((await back.json()) as { contentHash: string }).contentHash).toBe(v.contentHash);
    }

    const lines = `${JSON.stringify({ input: { q: 1 }, references: ["x"] })}\n${JSON.stringify({ input: "b", reference: "y" })}\n`;
    const j = await handleV1(req(`${path("jsonl-set")}?format=jsonl`, { method: "POST", key, body: lines }));
    expect(j.status).toBe(201);
    expect(await j.json()).toMatchObject({ version: 1, rowCount: 2, created: true });
    const same = await post("jsonl-set", lines, "application/jsonl");
    expect(await same.json()).toMatchObject({ version: 1, created: false });
  });

  it("downloads chat rows as OpenAI fine-tuning JSONL, one split at a time, and refuses a row without an answer", async () => {
    const rows = [
      {
        input: [
          { role: "system", content: "be brief" },
          { role: "user", content: "hi?" },
        ],
        references: ["hello"],
        metadata: { split: "train" },
      },
      { input: "plain question", references: ["plain answer"], metadata: { split: "train" } },
      { input: [{ role: "user", content: "held out?" }], references: ["yes"], metadata: { split: "test" } },
    ];
    expect((await post("chats", rows.map((r) => JSON.stringify(r)).join("\n"), "application/jsonl")).status).toBe(201);
    const dl = await handleV1(req(path("chats", "/1/download?format=openai&split=train"), { key }));
    expect(dl.status).toBe(200);
    expect(dl.headers.get("content-disposition")).toMatch(/chats-v1-train\.openai\.jsonl/);
    const lines = (await dl.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      {
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: "hi?" },
          { role: "assistant", content: "hello" },
        ],
      },
      {
        messages: [
          { role: "user", content: "plain question" },
          { role: "assistant", content: "plain answer" },
        ],
      },
    ]);
    const test = await handleV1(req(path("chats", "/1/download?format=jsonl&split=test"), { key }));
    expect(
      (await test.text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).references),
    ).toEqual([["yes"]]);

    expect((await post("no-answer", `${JSON.stringify({ input: "q", references: [] })}\n`, "application/jsonl")).status).toBe(201);
    const refused = await handleV1(req(path("no-answer", "/1/download?format=openai"), { key }));
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({
      message: "row 0 has no reference, which the openai format needs as the assistant's answer",
    });
    for (const [query, pattern] of [
      ["format=xml", /format must be jsonl, csv or openai/],
      ["split=a%20b", /split must be a split name/],
    ] as const) {
      const res = await handleV1(req(path("chats", `/1/download?${query}`), { key }));
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(pattern);
    }
  });

  it("refuses bad files with line and column named", async () => {
    const bad = async (body: BodyInit, type: string, pattern: RegExp) => {
      const res = await post("bad", body, type);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(pattern);
    };
    await bad('{"input":"a","references":"b"}\n{oops}\n', "application/jsonl", /^line 2, column \d+: invalid JSON/);
    await bad('input,references\nq,"ab"c\n', "text/csv", /^line 2, column 7: unexpected character after a closing quote/);
    await bad(new Uint8Array([0x69, 0x6e, 0x0a, 0xc3, 0x28]), "text/csv", /not valid UTF-8 \(line 2\)/);
    await bad("input,prediction\na,b\n", "text/csv", /no references column/);
    await bad('{"references":"b"}\n', "application/jsonl", /input column is missing/);
    await bad("", "application/jsonl", /file has no rows/);
    await bad("x", "application/json", /content-type/);
  });

  it("answers 413 above 50 MB", async () => {
    const res = await handleV1(
      req(path("huge"), {
        method: "POST",
        key,
        body: "x",
        headers: { "content-type": "text/csv", "content-length": String(51 * 1024 * 1024) },
      }),
    );
    expect(res.status).toBe(413);
    const big = new Uint8Array(50 * 1024 * 1024 + 1).fill(0x61);
    const streamed = await handleV1(req(path("huge"), { method: "POST", key, body: big, headers: { "content-type": "text/csv" } }));
    expect(streamed.status).toBe(413);
  });

  it("refuses a viewer's upload (403), and another project's dataset (404)", async () => {
    const viewer = await makeMember(d.db, p.project.id, "viewer");
    const res = await handleV1(
      req(path("v"), {
        method: "POST",
        cookie: viewer.token,
        origin: "http://keel.test",
        body: CSV,
        headers: { "content-type": "text/csv" },
      }),
    );
    expect(res.status).toBe(403);
    const viewerKey = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
    expect((await post("v", CSV, "text/csv", viewerKey)).status).toBe(403);
    // a viewer may download
    const dl = await handleV1(req(path("csv-set", "/1/download"), { cookie: viewer.token }));
    expect(dl.status).toBe(200);

    const other = await makeProject(d.db);
    const otherKey = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
    // their key on our project path, and our dataset name under their project
    expect((await handleV1(req(path("csv-set", "/1/download"), { key: otherKey }))).status).toBe(404);
    const theirs = await handleV1(req(`/api/v1/projects/${other.project.id}/datasets/csv-set/versions/1/download`, { key: otherKey }));
    expect(theirs.status).toBe(404);
    expect((await handleV1(req(path("csv-set", "/9/download"), { key }))).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createKeelClient, type KeelPromptError } from "../../sdk/index";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { type KeelServer, projectWithKey, startKeel } from "./helpers";

/**
 * `keel.prompts` against a real Keel server process: the server counts the requests that reach it and
 * records each answer's status, so a cache hit shows as no request and a revalidation as a 304.
 */
let d: TestDatabase;
let keel: KeelServer;
let key: string;
let statuses: { path: string; status: number; ifNoneMatch: string | undefined }[];
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  ({ key } = await projectWithKey(d));
  keel = await startKeel();
  statuses = [];
  keel.intercept = (req, res) => {
    res.on("finish", () =>
      statuses.push({ path: req.url ?? "", status: res.statusCode, ifNoneMatch: req.headers["if-none-match"] as string | undefined }),
    );
    return false;
  };
});
afterAll(async () => {
  await keel.close();
  await d.drop();
});

const client = (ttl: number, onError?: (e: KeelPromptError) => void) =>
  createKeelClient({ baseUrl: keel.url, apiKey: key, flushIntervalMs: 60_000, prompts: { cacheTtlSeconds: ttl, onError } }).prompts;
const gets = (name: string) => statuses.filter((s) => s.path.startsWith(`/api/v1/prompts/${name}?`));

describe("keel.prompts", () => {
  it("creates versions, fetches by label or version and compiles, naming a missing variable", async () => {
    const prompts = client(60);
    expect(await prompts.create({ name: "greet", prompt: "Hello {{who}}", config: { temperature: 0.2 }, labels: ["production"] })).toEqual({
      name: "greet",
      version: 1,
      labels: ["production"],
      tags: [],
      pending: [],
    });
    const chat = await prompts.create({
      name: "greet",
      messages: [
        { role: "system", content: "Be {{tone}}" },
        { role: "user", content: "Hi {{who}}" },
      ],
    });
    expect(chat).toMatchObject({ version: 2, labels: [] });

    const p = await prompts.get("greet");
    expect(p).toMatchObject({ name: "greet", version: 1, type: "text", prompt: "Hello {{who}}", labels: ["production"] });
    expect(p.config).toEqual({ temperature: 0.2 });
    expect(p.compile({ who: "Ann" })).toBe("Hello Ann");
    expect(() => p.compile({})).toThrow("variable who is missing");
    expect(() => p.compile({ who: "a", tone: "b" })).toThrow("variable tone is not in the prompt (it uses who)");

    const v2 = await prompts.get("greet", { version: 2 });
    expect(v2).toMatchObject({ version: 2, type: "chat", labels: ["latest"] });
    expect(v2.compile({ tone: "kind", who: "Bo" })).toEqual([
      { role: "system", content: "Be kind" },
      { role: "user", content: "Hi Bo" },
    ]);
    expect((await prompts.get("greet", { label: "latest" })).version).toBe(2);

    expect(await prompts.list()).toEqual([
      expect.objectContaining({ name: "greet", latestVersion: 2, labels: [{ label: "production", version: 1 }] }),
    ]);
    // a refusal names the prompt and the field
    await expect(prompts.create({ name: "greet" })).rejects.toMatchObject({ status: 400, field: "prompt" });
    await expect(prompts.moveLabel("greet", "production", { version: 9 })).rejects.toMatchObject({ status: 404 });
  });

  it("serves a fresh prompt from memory, then revalidates in the background with If-None-Match (304 when unchanged)", async () => {
    const setup = client(60);
    await setup.create({ name: "cached", prompt: "v1 {{x}}", labels: ["production"] });
    const prompts = client(1);
    // concurrent first gets share one request
    const [first, ...others] = await Promise.all([1, 2, 3].map(() => prompts.get("cached")));
    for (const o of others) expect(o).toBe(first);
    expect(gets("cached")).toHaveLength(1);
    // within the TTL: no request at all
    for (let i = 0; i < 5; i++) expect(await prompts.get("cached")).toBe(first);
    expect(gets("cached")).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 1100));
    // stale: answered at once from the cache, one revalidation behind it
    expect(await prompts.get("cached")).toBe(first);
    await vi.waitFor(() => expect(gets("cached")).toHaveLength(2));
    expect(gets("cached")[1]).toMatchObject({ status: 304, ifNoneMatch: expect.stringMatching(/^".+"$/) });
    expect((await prompts.get("cached")).version).toBe(1); // fresh again after the 304
    expect(gets("cached")).toHaveLength(2);

    // a label move: the next revalidation gets the new version (200), served from then on
    await setup.create({ name: "cached", prompt: "v2 {{x}}" });
    await setup.moveLabel("cached", "production", { version: 2, reason: "ship" });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await prompts.get("cached")).version).toBe(1);
    await vi.waitFor(() => expect(gets("cached")).toHaveLength(3));
    expect(gets("cached")[2]?.status).toBe(200);
    await vi.waitFor(async () => expect((await prompts.get("cached")).compile({ x: "!" })).toBe("v2 !"));
  });

  it("keeps serving the last good version while Keel is down or answers 5xx, and says so; a first fetch that fails throws naming the prompt", async () => {
    const errors: KeelPromptError[] = [];
    const prompts = client(0.2, (e) => errors.push(e));
    await client(60).create({ name: "sturdy", prompt: "Ok {{x}}", labels: ["production"] });
    expect((await prompts.get("sturdy")).version).toBe(1);

    keel.intercept = (req, res) => {
      res.writeHead(503).end();
      req.resume();
      return true;
    };
    await new Promise((r) => setTimeout(r, 300));
    expect((await prompts.get("sturdy")).compile({ x: "1" })).toBe("Ok 1");
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ status: 503 });
    expect(errors[0]?.message).toMatch(/^prompt sturdy \(label production\): Keel answered 503: .*; serving cached version 1$/);

    await keel.close(); // unreachable
    await new Promise((r) => setTimeout(r, 300));
    expect((await prompts.get("sturdy")).version).toBe(1);
    await vi.waitFor(() => expect(errors).toHaveLength(2));
    expect(errors[1]?.message).toMatch(/^prompt sturdy \(label production\): Keel unreachable at .*; serving cached version 1$/);

    await expect(prompts.get("never-fetched", { label: "staging" })).rejects.toThrow(
      /^prompt never-fetched \(label staging\): Keel unreachable at http:\/\/127\.0\.0\.1:\d+: /,
    );
    keel = await startKeel(); // afterAll closes it
    const again = client(60);
    await expect(again.get("missing")).rejects.toMatchObject({
      status: 404,
      message: expect.stringMatching(/^prompt missing \(label production\): Keel answered 404: /),
    });
    await expect(again.get("sturdy", { label: "nope" })).rejects.toMatchObject({ status: 404, field: "label" });
  });
});

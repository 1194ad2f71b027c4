import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { runKeel } from "../helpers/keel-cli";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * `keel prompts` as a real process: against a real HTTP server with a secret key (--url, --key) and on the
 * database (--project), its result line and exit code. Spawned without blocking: the server runs here.
 */
const DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "keel-cli-prompts-"));
let d: TestDatabase;
let server: KeelServer;
let slug: string;
let key: string;
let otherSlug: string;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  slug = p.project.slug;
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  otherSlug = (await makeProject(d.db)).project.slug;
  server = await startKeel();
});
afterAll(async () => {
  await server?.close();
  await d.drop();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
});

const keel = (...args: string[]) => runKeel(args, { DATABASE_URL: d.url, LOG_LEVEL: "silent", KEEL_DATA_DIR: DATA_DIR });
const file = (name: string, content: string) => {
  const f = path.join(DATA_DIR, name);
  fs.writeFileSync(f, content);
  return f;
};

describe("keel prompts (remote mode, --url and --key)", () => {
  const remote = () => ["--url", server.url, "--key", key];

  it("creates from text and files, gets by label or version, lists and moves a label", async () => {
    const created = await keel(
      "prompts",
      "create",
      "--project",
      slug,
      "--name",
      "support",
      "--text",
      "Answer {{q}}",
      "--label",
      "production",
      "--label",
      "staging",
      "--config",
      '{"temperature":0.2}',
      ...remote(),
      "--json",
    );
    expect(created).toMatchObject({ code: 0, out: { name: "support", version: 1, labels: ["production", "staging"], pending: [] } });

    const chat = file("chat.json", JSON.stringify([{ role: "system", content: "Be {{tone}}" }]));
    expect((await keel("prompts", "create", "--name", "support", "--file", chat, ...remote(), "--json")).out).toMatchObject({
      version: 2,
      labels: [],
    });
    const txt = file("v3.txt", "Reply to {{q}}\n");
    expect((await keel("prompts", "create", "--name", "support", "--file", txt, ...remote(), "--json")).out).toMatchObject({ version: 3 });

    const prod = await keel("prompts", "get", "support", ...remote(), "--json");
    expect(prod).toMatchObject({
      code: 0,
      out: { name: "support", version: 1, type: "text", prompt: "Answer {{q}}", config: { temperature: 0.2 } },
    });
    expect((await keel("prompts", "get", "support", "--version", "2", ...remote(), "--json")).out).toMatchObject({
      type: "chat",
      messages: [{ role: "system", content: "Be {{tone}}" }],
    });
    expect((await keel("prompts", "get", "support", "--label", "latest", ...remote(), "--json")).out).toMatchObject({
      version: 3,
      prompt: "Reply to {{q}}\n",
    });
    const human = await keel("prompts", "get", "support", "--version", "2", ...remote());
    expect(human.stdout).toBe("support version 2 (chat; labels: none)\n\n[system] Be {{tone}}\n");

    const moved = await keel("prompts", "label", "support", "production", "--version", "3", "--reason", "ship v3", ...remote(), "--json");
    expect(moved).toMatchObject({ code: 0, out: { status: "moved", alias: "production", version: 3, previous: 1 } });
    expect((await keel("prompts", "get", "support", ...remote(), "--json")).out).toMatchObject({ version: 3 });

    const list = await keel("prompts", "list", ...remote());
    expect(list.stdout).toBe("support  latest 3  production=3  staging=1\n");

    // --tag (repeatable) sets the prompt's tags; list --tag keeps the prompts carrying it
    const tagged = await keel(
      "prompts",
      "create",
      "--name",
      "tagged",
      "--text",
      "t",
      "--tag",
      "faq",
      "--tag",
      " ops ",
      ...remote(),
      "--json",
    );
    expect(tagged.out).toMatchObject({ version: 1, tags: ["faq", "ops"] });
    expect((await keel("prompts", "list", "--tag", "ops", ...remote())).stdout).toBe("tagged  latest 1  [faq, ops]\n");
    expect((await keel("prompts", "get", "tagged", "--label", "latest", ...remote())).stdout).toBe(
      "tagged version 1 (text; labels: latest; tags: faq, ops)\n\nt\n",
    );
  });

  it("exits 1 naming what Keel refused, 2 on bad usage", async () => {
    const missing = await keel("prompts", "get", "nope", ...remote(), "--json");
    expect(missing.code).toBe(1);
    expect(missing.out).toMatchObject({ error: { code: "NOT_FOUND", message: expect.stringContaining("nope") } });
    const label = await keel("prompts", "get", "support", "--label", "qa", ...remote(), "--json");
    expect(label).toMatchObject({
      code: 1,
      out: { error: { code: "NOT_FOUND", message: "label qa of prompt support not found", field: "label" } },
    });
    const latest = await keel("prompts", "label", "support", "latest", "--version", "1", ...remote(), "--json");
    expect(latest).toMatchObject({ code: 1, out: { error: { code: "BAD_REQUEST", field: "label" } } });
    const empty = await keel("prompts", "create", "--name", "blank", "--text", "  ", ...remote(), "--json");
    expect(empty).toMatchObject({ code: 1, out: { error: { message: "prompt: the prompt is empty", field: "prompt" } } });

    const usage = async (args: string[], message: string | RegExp) => {
      const r = await keel("prompts", ...args, "--json");
      expect(r.code, args.join(" ")).toBe(2);
      const text = typeof message === "string" ? expect.stringContaining(message) : expect.stringMatching(message);
      expect(r.out, args.join(" ")).toMatchObject({ error: { code: "USAGE", message: text } });
    };
    await usage(["create", "--text", "x", ...remote()], "missing --name N");
    await usage(["create", "--name", "a", ...remote()], "give --text T or --file F.json|F.txt (one of them)");
    await usage(["create", "--name", "a", "--text", "x", "--file", "y.txt", ...remote()], "(one of them)");
    await usage(["create", "--name", "a", "--text", "x", "--config", "{nope", ...remote()], /^--config: not JSON/);
    await usage(["create", "--name", "a", "--text", "x", "--config", "[1]", ...remote()], /^--config: give a JSON object/);
    await usage(["create", "--name", "a", "--file", path.join(DATA_DIR, "none.txt"), ...remote()], /^--file .*none\.txt: no such file$/);
    await usage(["create", "--name", "a", "--file", file("bad.json", '{"x":1}'), ...remote()], /give an array of chat messages/);
    await usage(["get", "support", "--label", "a", "--version", "1", ...remote()], "give --label or --version, not both");
    await usage(["get", "support", "--version", "two", ...remote()], "--version two: give a version number (1, 2, ...)");
    await usage(["label", "support", "production", ...remote()], "missing --version V");
    await usage(["label", "support", ...remote()], "missing LABEL");
    await usage(["rename", ...remote()], /^unknown prompts command: rename/);
    await usage(["list", "--tag", "a", "--tag", "b", ...remote()], "give one --tag");
    await usage(["list", "--url", server.url], "remote mode needs both --url URL and --key sk_...");
    await usage(["list", "--project", otherSlug, ...remote()], `--project ${otherSlug}: not the key's project (Keel answered 404)`);
    await usage(["list", "--url", server.url, "--key", "sk_not-a-key", "--project", slug], "--key: Keel refused the key (401)");

    const badKey = await keel("prompts", "list", "--url", server.url, "--key", "sk_not-a-key", "--json");
    expect(badKey.code).toBe(1);
    const down = await keel("prompts", "list", "--url", "http://127.0.0.1:9", "--key", key, "--json");
    expect(down).toMatchObject({
      code: 1,
      out: { error: { message: expect.stringMatching(/^list prompts: Keel unreachable at http:\/\/127\.0\.0\.1:9: /) } },
    });
  });
});

describe("keel prompts (local mode, --project)", () => {
  it("creates, gets, moves a label and lists on the database", async () => {
    const local = ["--project", otherSlug, "--json"];
    const chat = file("local.json", JSON.stringify({ messages: [{ role: "user", content: "Hi {{who}}" }], config: { model: "m" } }));
    expect(
      await keel("prompts", "create", "--name", "greet", "--file", chat, "--label", "production", "--tag", "ops", ...local),
    ).toMatchObject({
      code: 0,
      out: { name: "greet", version: 1, labels: ["production"], tags: ["ops"] },
    });
    expect((await keel("prompts", "create", "--name", "greet", "--text", "Hello {{who}}", ...local)).out).toMatchObject({ version: 2 });
    expect((await keel("prompts", "get", "greet", ...local)).out).toMatchObject({ version: 1, type: "chat", config: { model: "m" } });
    expect((await keel("prompts", "label", "greet", "production", "--version", "2", ...local)).out).toMatchObject({
      status: "moved",
      previous: 1,
    });
    expect((await keel("prompts", "list", ...local)).out).toEqual({
      items: [{ name: "greet", latestVersion: 2, labels: [{ label: "production", version: 2 }], tags: ["ops"] }],
    });
    expect((await keel("prompts", "list", "--tag", "ops", ...local)).out).toMatchObject({ items: [{ name: "greet" }] });
    expect((await keel("prompts", "list", "--tag", "other", ...local)).out).toEqual({ items: [] });
    expect(await keel("prompts", "create", "--name", "greet", "--text", "x", "--tag", " ", ...local)).toMatchObject({
      code: 1,
      out: { error: { field: "tags" } },
    });

    // the API's own checks and refusals
    expect(await keel("prompts", "label", "greet", "latest", "--version", "1", ...local)).toMatchObject({
      code: 1,
      out: { error: { field: "label" } },
    });
    expect(await keel("prompts", "create", "--name", "x", "--text", " ", ...local)).toMatchObject({
      code: 1,
      out: { error: { message: "prompt: the prompt is empty" } },
    });
    expect(await keel("prompts", "get", "greet", "--version", "7", ...local)).toMatchObject({
      code: 1,
      out: { error: { code: "NOT_FOUND" } },
    });
    expect(await keel("prompts", "list", "--project", "no-such", "--json")).toMatchObject({
      code: 2,
      out: { error: { message: "--project no-such: no project with that slug" } },
    });
    expect(await keel("prompts", "list", "--json")).toMatchObject({
      code: 2,
      out: { error: { message: expect.stringMatching(/^missing --project SLUG/) } },
    });
  });
});

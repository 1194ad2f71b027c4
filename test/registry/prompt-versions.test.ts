import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

/** api.registry.prompts.versions and versionOptions: the console's prompt page and pickers (server/registry/prompt-versions.ts). */
let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;

beforeAll(async () => {
  d = await freshDatabase();
  p = await makeProject(d.db);
});
afterAll(() => d?.drop());

describe("prompt versions list", () => {
  it("lists versions newest first with template, config, labels and author, keyset-paged", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    await api.registry.prompts.create({ ...P, name: "sum", prompt: "Sum up {{text}}", config: { temperature: 0 }, labels: ["production"] });
    await api.registry.prompts.create({
      ...P,
      name: "sum",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "{{text}}" },
      ],
      commitMessage: "chat form",
      labels: ["staging"],
    });
    await api.registry.prompts.create({ ...P, name: "zzz", prompt: "z" });
    const page = await api.registry.prompts.versions({ ...P, name: "sum", limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      version: 2,
      type: "chat",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "{{text}}" },
      ],
      config: {},
      labels: ["staging", "latest"],
      commitMessage: "chat form",
      author: p.owner.user.email,
    });
    expect(page.nextCursor).toBe(2);
    const next = await api.registry.prompts.versions({ ...P, name: "sum", limit: 1, cursor: 2 });
    expect(next.items[0]).toMatchObject({
      version: 1,
      type: "text",
      prompt: "Sum up {{text}}",
      config: { temperature: 0 },
      labels: ["production"],
    });
    expect(next.nextCursor).toBeNull();

    const options = await api.registry.prompts.versionOptions(P);
    expect(options.map((o) => `${o.name}:${o.version}`)).toEqual(["sum:2", "sum:1", "zzz:1"]);
    expect(options[0]?.id).toBe(page.items[0]?.id);
    await expect(api.registry.prompts.versions({ ...P, name: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

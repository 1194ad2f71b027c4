import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { liveTargets } from "../../server/evals/live";
import "../../server/routing";
import { createJob } from "../../server/tuning";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let owner: ReturnType<typeof callerFor>;
let P: { projectId: string };
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  owner = callerFor(d.db, p.owner.principal);
  P = { projectId: p.project.id };
});
afterAll(() => d.drop());

const versionsOf = async (name: string) => {
  const [m] = await d.db
    .select()
    .from(schema.registeredModels)
    .where(and(eq(schema.registeredModels.projectId, p.project.id), eq(schema.registeredModels.name, name)));
  if (!m) return null;
  const rows = await d.db.select().from(schema.modelVersions).where(eq(schema.modelVersions.modelId, m.id));
  return { latest: m.latestVersion, versions: rows.map((r) => r.version).sort() };
};

describe("prompts in the registry", () => {
  it("numbers immutable versions, points labels at them, and fetches by label, version, latest or production", async () => {
    const v1 = await owner.registry.prompts.create({
      ...P,
      name: "greeter",
      prompt: "Hello {{name}}",
      config: { model: "gpt-4o-mini", temperature: 0.2, stop: ["\n"] },
      labels: ["production"],
      commitMessage: "first",
    });
    expect(v1).toEqual({ name: "greeter", version: 1, labels: ["production"], tags: [], pending: [] });
    const v2 = await owner.registry.prompts.create({
      ...P,
      name: "greeter",
      messages: [
        { role: "system", content: "You greet {{ name }}." },
        { role: "user", content: "Hi" },
      ],
      labels: ["staging"],
    });
    expect(v2).toMatchObject({ version: 2, labels: ["staging"] });

    // no label and no version: production
    expect(await owner.registry.prompts.get({ ...P, name: "greeter" })).toMatchObject({
      version: 1,
      type: "text",
      prompt: "Hello {{name}}",
      config: { model: "gpt-4o-mini", temperature: 0.2, stop: ["\n"] },
      labels: ["production"],
      commitMessage: "first",
    });
    const chat = await owner.registry.prompts.get({ ...P, name: "greeter", label: "staging" });
    expect(chat).toMatchObject({ version: 2, type: "chat", config: {}, labels: ["staging", "latest"] });
    expect(chat.prompt).toBeUndefined();
    expect(chat.messages?.[0]).toEqual({ role: "system", content: "You greet {{ name }}." });
    expect(await owner.registry.prompts.get({ ...P, name: "greeter", label: "latest" })).toMatchObject({ version: 2 });
    expect(await owner.registry.prompts.get({ ...P, name: "greeter", version: 1 })).toMatchObject({ version: 1 });

    await expect(owner.registry.prompts.get({ ...P, name: "greeter", version: 9 })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "version 9 of prompt greeter not found",
    });
    await expect(owner.registry.prompts.get({ ...P, name: "greeter", label: "canary" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "label canary of prompt greeter not found",
    });
    await expect(owner.registry.prompts.get({ ...P, name: "nobody" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "prompt nobody not found",
    });

    const list = await owner.registry.prompts.list({ ...P });
    expect(list.items).toEqual([
      expect.objectContaining({
        name: "greeter",
        latestVersion: 2,
        labels: [
          { label: "production", version: 1 },
          { label: "staging", version: 2 },
        ],
      }),
    ]);
  });

  it("numbers concurrent first versions of a new prompt without a gap or a clash", async () => {
    const made = await Promise.all(["a", "b", "c", "d"].map((prompt) => owner.registry.prompts.create({ ...P, name: "racy", prompt })));
    expect(made.map((r) => r.version).sort()).toEqual([1, 2, 3, 4]);
    expect(await versionsOf("racy")).toEqual({ latest: 4, versions: [1, 2, 3, 4] });
  });

  it("renders variables, naming a missing or an unknown one", async () => {
    await owner.registry.prompts.create({ ...P, name: "summary", prompt: "Summarize {{text}} in {{ n }} words", labels: ["production"] });
    expect(await owner.registry.prompts.render({ ...P, name: "summary", variables: { text: "the news", n: 5 } })).toMatchObject({
      version: 1,
      prompt: "Summarize the news in 5 words",
    });
    await expect(owner.registry.prompts.render({ ...P, name: "summary", variables: { text: "x" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "variable n is missing",
      cause: { field: "variables.n" },
    });
    await expect(
      owner.registry.prompts.render({ ...P, name: "summary", variables: { text: "x", n: 1, tone: "dry" } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^variable tone is not in the prompt/) });
  });

  it("moves labels as aliases: history, rollback, a guarded label answering 412 or pending", async () => {
    for (const prompt of ["a {{x}}", "b {{x}}", "c {{x}}"]) await owner.registry.prompts.create({ ...P, name: "gated", prompt });
    expect(await owner.registry.prompts.moveLabel({ ...P, name: "gated", label: "production", version: 1 })).toMatchObject({
      status: "moved",
      model: "gated",
      alias: "production",
      version: 1,
      previous: null,
    });
    await owner.registry.prompts.moveLabel({ ...P, name: "gated", label: "production", version: 2, reason: "better" });
    expect(await owner.registry.prompts.rollbackLabel({ ...P, name: "gated", label: "production" })).toMatchObject({
      status: "moved",
      version: 1,
      previous: 2,
    });
    const history = await owner.registry.prompts.history({ ...P, name: "gated", label: "production" });
    expect(history.items.map((h) => [h.kind, h.from, h.to])).toEqual([
      ["rollback", 2, 1],
      ["move", 1, 2],
      ["move", null, 1],
    ]);

    // approvals: a policy with no gate and one approval opens a request; with a gate and no eval run, 412
    await owner.registry.approvals.setPolicy({
      ...P,
      model: "gated",
      aliases: ["production"],
      requiredApprovals: 1,
      approverRoles: ["admin", "owner"],
      gateIds: [],
    });
    const engineer = callerFor(d.db, (await makeMember(d.db, p.project.id, "engineer")).principal);
    const pending = await engineer.registry.prompts.moveLabel({ ...P, name: "gated", label: "production", version: 3 });
    expect(pending).toMatchObject({ status: "pending", version: 3, request: { status: "pending", alias: "production" } });
    expect(await owner.registry.prompts.get({ ...P, name: "gated" })).toMatchObject({ version: 1 });
    // creating a version with the guarded label opens a request too, and the version exists
    const created = await engineer.registry.prompts.create({ ...P, name: "gated", prompt: "d {{x}}", labels: ["production", "dev"] });
    expect(created).toMatchObject({ version: 4, labels: ["dev"], pending: [{ label: "production", request: { status: "pending" } }] });

    const gate = await owner.evals.gates.create({ ...P, name: "quality", rules: ["rougeL.fmeasure >= 0.6"] });
    await owner.registry.approvals.setPolicy({
      ...P,
      model: "gated",
      aliases: ["production"],
      requiredApprovals: 0,
      approverRoles: ["admin", "owner"],
      gateIds: [gate.id],
    });
    await expect(owner.registry.prompts.moveLabel({ ...P, name: "gated", label: "production", version: 3 })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "Moving production to version 3 is blocked: gate quality: this version has no succeeded eval run linked to it",
    });
    // a create whose label fails its gate writes nothing: the version number is not consumed
    await expect(owner.registry.prompts.create({ ...P, name: "gated", prompt: "e", labels: ["production"] })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
    });
    expect(await versionsOf("gated")).toEqual({ latest: 4, versions: [1, 2, 3, 4] });
    expect(await owner.registry.prompts.create({ ...P, name: "gated", prompt: "e" })).toMatchObject({ version: 5 });
  });

  it("shares the registry's names with models, and stays out of model paths", async () => {
    await owner.registry.models.create({ ...P, name: "classifier" });
    await owner.registry.prompts.create({ ...P, name: "system-prompt", prompt: "Be brief." });
    await expect(owner.registry.prompts.create({ ...P, name: "classifier", prompt: "x" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "a model named classifier already exists",
      cause: { field: "name" },
    });
    expect(await versionsOf("classifier")).toEqual({ latest: 0, versions: [] });
    await expect(owner.registry.models.create({ ...P, name: "system-prompt" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "a prompt named system-prompt already exists",
    });
    await expect(owner.registry.versions.createFromUri({ ...P, model: "system-prompt", uri: "s3://bucket/weights" })).rejects.toMatchObject(
      { code: "CONFLICT", message: expect.stringMatching(/^system-prompt is a prompt, not a model/) },
    );
    expect(await versionsOf("system-prompt")).toEqual({ latest: 1, versions: [1] });

    // model listings leave prompts out; model-only paths refuse them by kind
    const models = await owner.registry.models.list({ ...P, limit: 200 });
    expect(models.items.map((m) => m.name)).toContain("classifier");
    expect(models.items.map((m) => m.name)).not.toContain("system-prompt");
    expect((await owner.registry.prompts.list({ ...P })).items.map((i) => i.name)).not.toContain("classifier");
    await expect(owner.registry.models.get({ ...P, model: "system-prompt" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "system-prompt is a prompt, not a model",
    });
    await expect(owner.registry.prompts.get({ ...P, name: "classifier" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "classifier is a model, not a prompt",
    });
    await expect(
      owner.serving.deployments.create({
        ...P,
        name: "prompt-dep",
        kind: "local",
        task: "chat",
        modelName: "system-prompt",
        modelRef: "1",
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "system-prompt is a prompt, not a model", cause: { field: "modelName" } });
    // tuning's base model and an eval run's `model:` target
    await expect(
      createJob(d.db, SYSTEM_ACTOR, p.project.id, {
        method: "head",
        base: { model: "system-prompt", version: 1 },
        dataset: { name: "any" },
        hyperparameters: {},
      }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: "system-prompt is a prompt, not a model", field: "model" });
    expect(await liveTargets().resolve(d.db, p.project.id, { kind: "model", name: "system-prompt", ref: "1" })).toBe(
      "system-prompt is a prompt, not a model",
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

/*
 * The log settings and price inputs live in server/logs/inputs.ts, where the console's forms read
 * them too: the API refuses by the same rules, and the service's own checks name the rule's field.
 */

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
beforeAll(async () => {
  d = await freshDatabase();
  p = await makeProject(d.db);
});
afterAll(() => d.drop());

const api = () => callerFor(d.db, p.owner.principal);
const settings = (custom: { name: string; pattern: string; flags?: string }[], retentionDays: number | null = null) =>
  api().logs.settings.update({ projectId: p.project.id, retentionDays, redaction: { builtins: ["email"], custom } });

describe("log settings and prices, by the inputs the forms share", () => {
  it("refuses a bad rule name, flag or retention by the schema, and a pattern the service refuses under the rule's own field", async () => {
    await expect(settings([{ name: "Order ID", pattern: "ORD-\\d+" }])).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("a rule name is 1-40 characters"),
    });
    await expect(settings([{ name: "order", pattern: "ORD-\\d+", flags: "g" }])).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("flags are any of i, m, s, u"),
    });
    await expect(settings([], 0)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("retention is a whole number"),
    });
    await expect(
      settings([
        { name: "order", pattern: "ORD-\\d+" },
        { name: "empty", pattern: "a*" },
      ]),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("matches the empty string"),
      cause: { field: "redaction.custom.1.pattern" },
    });
    // nothing was saved; a good config is
    expect(await api().logs.settings.get({ projectId: p.project.id })).toEqual({
      retentionDays: null,
      redaction: { builtins: [], custom: [] },
    });
    await settings([{ name: "order", pattern: "ORD-\\d+", flags: "i" }], 30);
    expect(await api().logs.settings.get({ projectId: p.project.id })).toEqual({
      retentionDays: 30,
      redaction: { builtins: ["email"], custom: [{ name: "order", pattern: "ORD-\\d+", flags: "i" }] },
    });
  });

  it("refuses a negative price and an empty match by the schema, and a pattern that does not compile under match", async () => {
    const upsert = (match: string, inputPerMillion: number) =>
      api().logs.prices.upsert({ projectId: p.project.id, match, inputPerMillion, outputPerMillion: 1 });
    await expect(upsert("gpt-4o", -1)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("enter a price ≥ 0"),
    });
    await expect(upsert("  ", 1)).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("enter a model name") });
    await expect(upsert("/(/", 1)).rejects.toMatchObject({ code: "BAD_REQUEST", cause: { field: "match" } });
    // the match is trimmed, as the form sends it
    expect(await upsert(" gpt-4o ", 2)).toMatchObject({ match: "gpt-4o", inputPerMillion: 2 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleTrpc } from "../../server/http/trpc";
import { handleV1 } from "../../server/http/v1";
import { moveAliasInput, policyFields, versionMetaInput } from "../../server/registry/inputs";
import { callerFor, makeKey, makeProject, req, trpcError } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/*
 * The registry forms' schemas (server/registry/inputs.ts) are the ones the API checks: what the
 * browser refuses, the server refuses with the same words, naming the field the form shows it under.
 */

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
  await callerFor(d.db, p.owner.principal).registry.models.create({ projectId: p.project.id, name: "clf" });
});
afterAll(() => d.drop());

const trpc = async (path: string, input: Record<string, unknown>) => {
  const res = await handleTrpc(req(`/api/trpc/${path}`, { method: "POST", key, json: { json: { projectId: p.project.slug, ...input } } }));
  return { status: res.status, error: res.status >= 400 ? trpcError(await res.json()) : null };
};
const upload = (files: { path: string; text: string }[], meta: unknown) => {
  const body = new FormData();
  body.append("meta", JSON.stringify(meta));
  for (const f of files) body.append("file", new Blob([f.text]), f.path);
  return handleV1(req(`/api/v1/registry/models/clf/versions?project=${p.project.slug}`, { method: "POST", key, body }));
};
const firstMessage = (r: { success: boolean; error?: { issues: { message: string }[] } }) => r.error?.issues[0]?.message;

describe("registry form schemas", () => {
  it("refuses a bad alias and a missing version in the move form's words, naming the field", async () => {
    const browser = firstMessage(moveAliasInput.safeParse({ model: "clf", alias: "Prod!", version: 1 }));
    expect(browser).toBe("an alias is lower-case letters, digits, - and _, starting with a letter");
    const bad = await trpc("registry.aliases.move", { model: "clf", alias: "Prod!", version: 1 });
    expect(bad.status).toBe(400);
    expect(bad.error).toMatchObject({ field: "alias" });
    expect(bad.error?.message).toContain(browser);
    expect(firstMessage(moveAliasInput.safeParse({ model: "clf", alias: "production" }))).toBe("pick a version");
  });

  it("answers a move to an archived version with a 409 on version, the form's Version field", async () => {
    const up = await upload([{ path: "config.json", text: "{}" }], {});
    expect(up.status).toBe(201);
    const owner = callerFor(d.db, p.owner.principal);
    await owner.registry.versions.update({ projectId: p.project.id, model: "clf", version: 1, status: "archived" });
    const moved = await trpc("registry.aliases.move", { model: "clf", alias: "staging", version: 1 });
    expect(moved.status).toBe(409);
    expect(moved.error).toMatchObject({ code: "CONFLICT", field: "version" });
    expect(moved.error?.message).toContain("only a ready version can be aliased");
  });

  it("refuses a policy's approvals, aliases and roles with the form's words; the server alone narrows the roles", async () => {
    const good = { model: "clf", aliases: ["production"], requiredApprovals: 1, approverRoles: ["owner"], gateIds: [] };
    const browser = firstMessage(policyFields.safeParse({ ...good, requiredApprovals: 11 }));
    expect(browser).toBe("required approvals is a whole number from 0 to 10");
    const many = await trpc("registry.approvals.setPolicy", { ...good, requiredApprovals: 11 });
    expect(many.error).toMatchObject({ code: "BAD_REQUEST", field: "requiredApprovals" });
    expect(many.error?.message).toContain(browser);
    const none = await trpc("registry.approvals.setPolicy", { ...good, aliases: [] });
    expect(none.error).toMatchObject({ field: "aliases" });
    expect(none.error?.message).toContain('name at least one alias, or "*" for all');
    // the form offers only the workspace's roles; the API still refuses any other
    expect(policyFields.safeParse({ ...good, approverRoles: ["robot"] }).success).toBe(true);
    const robot = await trpc("registry.approvals.setPolicy", { ...good, approverRoles: ["robot"] });
    expect(robot.error).toMatchObject({ code: "BAD_REQUEST", field: "approverRoles.0" });
    const saved = await trpc("registry.approvals.setPolicy", good);
    expect(saved.status).toBe(200);
  });

  it("checks an upload's meta part with the form's schema, and names the file a bad path is about", async () => {
    const card = "x".repeat(200_001);
    expect(firstMessage(versionMetaInput.safeParse({ card }))).toBe("a model card is at most 200,000 characters");
    const long = await upload([{ path: "config.json", text: "{}" }], { card });
    expect(long.status).toBe(400);
    const e = ((await long.json()) as { error: { message: string; field: string } }).error;
    expect(e).toMatchObject({ field: "meta.card", message: "meta.card: a model card is at most 200,000 characters" });
    const escaping = await upload(
      [
        { path: "config.json", text: "{}" },
        { path: "../evil.bin", text: "x" },
      ],
      {},
    );
    expect(escaping.status).toBe(400);
    expect(((await escaping.json()) as { error: { field: string } }).error.field).toBe("file.1");
  });
});

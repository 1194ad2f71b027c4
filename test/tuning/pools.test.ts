import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleTrpc } from "../../server/http/trpc";
import { BASE, makeProject, makeUser, req, trpcError } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * The worker pool and token inputs (server/tuning/inputs.ts), which the admin console's forms validate
 * with, as the server applies them over HTTP: each refusal names the field the form shows it under.
 */
let d: TestDatabase;
/** The fresh database's first user: an instance admin. */
let admin: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  admin = await makeUser(d.db);
});
afterAll(() => d.drop());

async function call(path: string, input: unknown) {
  const res = await handleTrpc(req(`/api/trpc/${path}`, { method: "POST", origin: BASE, cookie: admin.token, json: { json: input } }));
  const body = (await res.json()) as { result?: { data: { json: unknown } } };
  return { status: res.status, data: body.result?.data.json, ...("error" in body ? trpcError(body) : {}) };
}

describe("worker pool and token inputs", () => {
  it("pools.create: the schema refuses a bad name, the service an unknown project and a taken name, each naming its field", async () => {
    const { project } = await makeProject(d.db);
    expect(await call("tuning.pools.create", { name: "bad name!" })).toMatchObject({
      status: 400,
      field: "name",
      message: "name: a pool name is 1 to 64 letters, digits, '.', '_' or '-'",
    });
    expect(await call("tuning.pools.create", { name: "x".repeat(65) })).toMatchObject({ status: 400, field: "name" });
    expect(await call("tuning.pools.create", { name: "gpu-a", projects: [project.slug, "no-such-project"] })).toMatchObject({
      status: 400,
      field: "projects",
      message: "no project no-such-project",
    });
    expect(await call("tuning.pools.create", { name: "gpu-a", projects: [""] })).toMatchObject({ status: 400, field: "projects.0" });
    // the name is trimmed by the schema before the service's own check
    expect(await call("tuning.pools.create", { name: " gpu-a ", projects: [project.slug] })).toMatchObject({
      status: 200,
      data: { name: "gpu-a", projects: [project.slug] },
    });
    expect(await call("tuning.pools.create", { name: "gpu-a" })).toMatchObject({ status: 409, field: "name" });
  });

  it("tokens.create: an unknown pool names pool; no name and no pool make a token for every project", async () => {
    expect(await call("tuning.tokens.create", { pool: "no-such-pool" })).toMatchObject({
      status: 400,
      field: "pool",
      message: "no worker pool named no-such-pool",
    });
    expect(await call("tuning.tokens.create", { name: "x".repeat(201) })).toMatchObject({ status: 400, field: "name" });
    const made = await call("tuning.tokens.create", { pool: null });
    expect(made).toMatchObject({ status: 200, data: { view: { pool: null } } });
  });
});

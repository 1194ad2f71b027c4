import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleTrpc } from "../../server/http/trpc";
import { BASE, makeUser, PASSWORD, req, trpcError } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * The schemas of server/workspace/inputs.ts that the console's forms (sign-in, new project, account,
 * instance settings) validate with, as the server applies them over HTTP: each refusal a 4xx naming
 * the field the form shows it under.
 */
let d: TestDatabase;
/** The fresh database's first user: an instance admin. */
let admin: Awaited<ReturnType<typeof makeUser>>;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  admin = await makeUser(d.db);
});
afterAll(() => d.drop());

async function call(path: string, input: unknown, cookie?: string) {
  const res = await handleTrpc(req(`/api/trpc/${path}`, { method: "POST", origin: BASE, cookie, json: { json: input } }));
  const body = (await res.json()) as object;
  return { status: res.status, ...("error" in body ? trpcError(body) : { field: null, message: "", code: "" }) };
}

describe("workspace form inputs on the server", () => {
  it("signIn: an empty email or password is a 400 naming it; a wrong one a 401 naming no field", async () => {
    expect(await call("workspace.auth.signIn", { email: "   ", password: PASSWORD })).toMatchObject({
      status: 400,
      field: "email",
      message: "email: is required",
    });
    expect(await call("workspace.auth.signIn", { email: admin.user.email, password: "" })).toMatchObject({
      status: 400,
      field: "password",
      message: "password: is required",
    });
    // the form shows it above its fields: it must not say which of the two was wrong
    expect(await call("workspace.auth.signIn", { email: admin.user.email, password: "not-the-password" })).toMatchObject({
      status: 401,
      field: null,
      message: "Invalid email or password",
    });
    // the email is trimmed, as the form typed it
    expect((await call("workspace.auth.signIn", { email: ` ${admin.user.email} `, password: PASSWORD })).status).toBe(200);
  });

  it("projects.create: a malformed or reserved slug is refused by the schema, a derived one by the service, both naming slug", async () => {
    const { token } = await makeUser(d.db);
    expect(await call("workspace.projects.create", { name: "x", slug: "Bad Slug" }, token)).toMatchObject({
      status: 400,
      field: "slug",
      message: "slug: must be 1-40 lower-case letters, digits and inner hyphens",
    });
    expect(await call("workspace.projects.create", { name: "x", slug: "admin" }, token)).toMatchObject({
      status: 400,
      field: "slug",
      message: expect.stringContaining("slug: is reserved"),
    });
    expect(await call("workspace.projects.create", { name: "Account" }, token)).toMatchObject({
      status: 400,
      field: "slug",
      message: "slug account is reserved; choose another",
    });
    expect(await call("workspace.projects.create", { name: "  " }, token)).toMatchObject({ status: 400, field: "name" });
    expect((await call("workspace.projects.create", { name: "Form inputs", slug: " form-inputs " }, token)).status).toBe(200);
    expect(await call("workspace.projects.create", { name: "Again", slug: "form-inputs" }, token)).toMatchObject({
      status: 409,
      field: "slug",
    });
  });

  it("changePassword: each field's rule names that field", async () => {
    const { token } = await makeUser(d.db);
    expect(await call("workspace.auth.changePassword", { currentPassword: "", newPassword: "long-enough-1" }, token)).toMatchObject({
      status: 400,
      field: "currentPassword",
    });
    expect(await call("workspace.auth.changePassword", { currentPassword: PASSWORD, newPassword: "short" }, token)).toMatchObject({
      status: 400,
      field: "newPassword",
      message: "newPassword: must be at least 8 characters",
    });
    expect(
      await call("workspace.auth.changePassword", { currentPassword: "not-the-password", newPassword: "long-enough-1" }, token),
    ).toMatchObject({ status: 400, field: "currentPassword", message: "The current password is not right" });
  });

  it("instance settings: an entry too long for the schema and one that is no CIDR both name value", async () => {
    expect(await call("workspace.instance.settings.set", { key: "egress.allow", value: ["1".repeat(65)] }, admin.token)).toMatchObject({
      status: 400,
      field: "value.0",
    });
    expect(
      await call("workspace.instance.settings.set", { key: "egress.allow", value: ["10.0.0.0/8", "10.0.0.0/33"] }, admin.token),
    ).toMatchObject({
      status: 400,
      field: "value",
      message: 'value: "10.0.0.0/33" is not a CIDR such as 10.0.0.0/8 or fc00::/7',
    });
  });
});

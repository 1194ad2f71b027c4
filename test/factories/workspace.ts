import { randomBytes } from "node:crypto";
import type { Db } from "../../db/client";
import { createCaller } from "../../server/trpc/root";
import {
  addMember,
  createKey,
  createProject,
  createUser,
  type Principal,
  principalFromApiKey,
  principalFromSession,
  type Role,
  SYSTEM_ACTOR,
  signIn,
} from "../../server/workspace";

const uniq = () => randomBytes(4).toString("hex");
export const PASSWORD = "correct-horse-battery";

/** A user with a live session, through the real sign-in path. */
export async function makeUser(db: Db, email = `u-${uniq()}@example.com`) {
  const user = await createUser(db, SYSTEM_ACTOR, { email, password: PASSWORD });
  const session = await signIn(db, { email, password: PASSWORD, ip: `10.0.0.${Math.floor(Math.random() * 250)}` });
  const principal = (await principalFromSession(db, session.token)) as Principal;
  return { user, token: session.token, principal };
}

/** A project owned by a new user. */
export async function makeProject(db: Db) {
  const owner = await makeUser(db);
  const project = await createProject(db, SYSTEM_ACTOR, { name: `Project ${uniq()}`, ownerUserId: owner.user.id });
  return { project, owner };
}

/** A new user who is a member of `projectId` with `role`. */
export async function makeMember(db: Db, projectId: string, role: Role) {
  const m = await makeUser(db);
  await addMember(db, SYSTEM_ACTOR, { projectId, role: "owner" }, { email: m.user.email, role });
  return m;
}

export async function makeKey(db: Db, projectId: string, userId: string, role: Role, kind: "secret" | "public" = "secret") {
  const res = await createKey(
    db,
    { userId, keyId: null },
    { projectId, role },
    { name: `key ${uniq()}`, kind, origins: kind === "public" ? ["https://app.example.com"] : undefined },
  );
  return { ...res, principal: await principalFromApiKey(db, res.key) };
}

/** A tRPC caller acting as `principal`, through the real procedure ladder. */
export function callerFor(db: Db, principal: Principal | null, extra: { sessionToken?: string; ip?: string; resHeaders?: Headers } = {}) {
  const resHeaders = extra.resHeaders ?? new Headers();
  return createCaller({ db, principal, sessionToken: extra.sessionToken ?? null, ip: extra.ip ?? "127.0.0.1", secure: false, resHeaders });
}

export const BASE = "http://keel.test";

/** A Request as a client would send it to the app at BASE. */
export function req(path: string, init: RequestInit & { json?: unknown; key?: string; cookie?: string; origin?: string } = {}) {
  const headers = new Headers(init.headers);
  headers.set("host", "keel.test");
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  if (init.cookie) headers.set("cookie", `keel_session=${init.cookie}`);
  if (init.origin) headers.set("origin", init.origin);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers.set("content-type", "application/json");
  }
  return new Request(`${BASE}${path}`, { ...init, headers, body });
}

/** The error of a tRPC HTTP response (superjson-wrapped). */
export function trpcError(body: unknown): { message: string; code: string; field: string | null } {
  const e = (body as { error: { json: { message: string; data: { code: string; field: string | null } } } }).error.json;
  return { message: e.message, code: e.data.code, field: e.data.field };
}

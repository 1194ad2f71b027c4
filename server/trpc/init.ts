import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z } from "zod";
import type { Db } from "../../db/client";
import { DomainError, isDatabaseUnavailable } from "../core/errors";
import { logger } from "../core/logger";
import { atLeast, type Principal, projectAccess, type Role } from "../workspace";
import { describeError, toTRPCError } from "./errors";

export interface Context {
  db: Db;
  principal: Principal | null;
  /** The raw session token when authenticated by cookie (sign-out needs it). */
  sessionToken: string | null;
  ip: string;
  /** The request came over https: cookies get `Secure`. */
  secure: boolean;
  /** Response headers: procedures set cookies here. */
  resHeaders: Headers;
  /** Keel's own origin as the client reached it (invitation links); KEEL_PUBLIC_URL wins where set. */
  origin?: string;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const { body } = describeError(error);
    return {
      ...shape,
      message: body.message,
      data: { ...shape.data, code: body.code, field: body.field ?? null, details: body.details ?? null, stack: undefined },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Map DomainError to its tRPC code, and log what the client will not see. */
const errors = t.middleware(async ({ next, path, type }) => {
  const res = await next();
  if (res.ok) return res;
  const cause = res.error.cause;
  if (cause instanceof DomainError || isDatabaseUnavailable(cause)) return { ...res, error: toTRPCError(cause) };
  if (res.error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: cause ?? res.error, path, type }, "procedure failed");
  return res;
});

export const publicProcedure = t.procedure.use(errors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in or send Authorization: Bearer sk_..." });
  // A public key's one use is POST /api/v1/ratings (server/http/logs.ts); it reads nothing.
  if (ctx.principal.kind === "publicKey")
    throw new TRPCError({ code: "FORBIDDEN", message: "A public key (pk_) only reaches the rating widget; use a secret key (sk_)" });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

/** Session users only (not API keys): account-level actions such as creating projects. */
export const userProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "user")
    throw new TRPCError({ code: "FORBIDDEN", message: "This action needs a signed-in user, not an API key" });
  return next({ ctx: { ...ctx, user: ctx.principal } });
});

/** Instance admins only (users.is_admin): instance settings, users, instance-wide lists. */
export const instanceAdminProcedure = userProcedure.use(({ ctx, next }) => {
  if (!ctx.user.isAdmin) throw new TRPCError({ code: "FORBIDDEN", message: "This needs an instance admin" });
  return next();
});

/** Every project-scoped procedure: `projectId` (id or slug) in, membership checked, role in ctx. */
export const projectProcedure = authedProcedure
  .input(z.object({ projectId: z.string().min(1).max(100) }))
  .use(async ({ ctx, input, next }) => {
    const project = await projectAccess(ctx.db, ctx.principal, input.projectId);
    return next({ ctx: { ...ctx, project, projectId: project.id, role: project.role } });
  });

/** The role each requireRole middleware demands, so the HTTP table reads a procedure's role from its own check. */
export const requiredRoles = new WeakMap<object, Role>();

export const requireRole = (need: Role) => {
  const mw = t.middleware(({ ctx, next }) => {
    const role = (ctx as { role?: Role }).role;
    if (!role || !atLeast(role, need))
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${need} role or higher; you are ${role ?? "not a member"}` });
    return next();
  });
  for (const fn of mw._middlewares) requiredRoles.set(fn, need);
  return mw;
};

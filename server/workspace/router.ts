import { z } from "zod";
import { authedProcedure, projectProcedure, publicProcedure, requireRole, router, userProcedure } from "../trpc/init";
import { listAudit } from "./audit";
import { SESSION_COOKIE, signIn, signOut } from "./auth";
import * as c from "./contract";
import { createKey, listKeys, revokeKey } from "./keys";
import { addMember, listMembers, removeMember, updateMemberRole } from "./members";
import { actorOf } from "./principal";
import { createProject, listProjectsForUser } from "./projects";

const cookie = (value: string, maxAgeS: number, secure: boolean) =>
  `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure ? "; Secure" : ""}`;

const auth = router({
  signIn: publicProcedure
    .input(c.signInInput)
    .output(c.userOut)
    .mutation(async ({ ctx, input }) => {
      const res = await signIn(ctx.db, { ...input, ip: ctx.ip });
      const maxAge = Math.floor((res.expiresAt.getTime() - Date.now()) / 1000);
      ctx.resHeaders.append("Set-Cookie", cookie(res.token, maxAge, ctx.secure));
      return res.user;
    }),
  signOut: publicProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await signOut(ctx.db, ctx.sessionToken);
    ctx.resHeaders.append("Set-Cookie", cookie("", 0, ctx.secure));
    return { ok: true as const };
  }),
  me: authedProcedure.output(c.meOut).query(({ ctx }) => {
    const p = ctx.principal;
    if (p.kind === "user") return { kind: p.kind, user: { id: p.userId, email: p.email, name: p.name }, projectId: null, role: null };
    return { kind: p.kind, user: null, projectId: p.projectId, role: p.kind === "secretKey" ? p.role : null };
  }),
});

const projects = router({
  list: userProcedure
    .input(c.pageInput)
    .output(c.projectsPage)
    .query(({ ctx, input }) => listProjectsForUser(ctx.db, ctx.user.userId, input)),
  create: userProcedure
    .input(c.createProjectInput)
    .output(c.projectOut)
    .mutation(({ ctx, input }) => createProject(ctx.db, actorOf(ctx.principal), { ...input, ownerUserId: ctx.user.userId })),
  get: projectProcedure.output(c.projectAccessOut).query(({ ctx }) => ctx.project),
});

const members = router({
  list: projectProcedure
    .input(c.pageInput)
    .output(c.membersPage)
    .query(({ ctx, input }) => listMembers(ctx.db, ctx.projectId, input)),
  add: projectProcedure
    .use(requireRole("admin"))
    .input(c.addMemberInput)
    .output(c.memberOut)
    .mutation(({ ctx, input }) => addMember(ctx.db, actorOf(ctx.principal), ctx, input)),
  updateRole: projectProcedure
    .use(requireRole("admin"))
    .input(c.updateMemberInput)
    .mutation(({ ctx, input }) => updateMemberRole(ctx.db, actorOf(ctx.principal), ctx, input)),
  remove: projectProcedure
    .use(requireRole("admin"))
    .input(c.memberIdInput)
    .mutation(({ ctx, input }) => removeMember(ctx.db, actorOf(ctx.principal), ctx, input.memberId)),
});

const keys = router({
  list: projectProcedure
    .use(requireRole("engineer"))
    .input(c.listKeysInput)
    .output(c.keysPage)
    .query(({ ctx, input }) => listKeys(ctx.db, ctx.projectId, input)),
  create: projectProcedure
    .use(requireRole("engineer"))
    .input(c.createKeyInput)
    .output(z.object({ key: z.string(), view: c.keyOut }))
    .mutation(({ ctx, input }) => createKey(ctx.db, actorOf(ctx.principal), ctx, input)),
  revoke: projectProcedure
    .use(requireRole("engineer"))
    .input(c.keyIdInput)
    .output(c.keyOut)
    .mutation(({ ctx, input }) => revokeKey(ctx.db, actorOf(ctx.principal), ctx, input.keyId)),
});

const audit = router({
  list: projectProcedure
    .use(requireRole("admin"))
    .input(c.pageInput)
    .output(c.auditPage)
    .query(({ ctx, input }) => listAudit(ctx.db, ctx.projectId, input)),
});

export const workspaceRouter = router({ auth, projects, members, keys, audit });

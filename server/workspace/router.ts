import { z } from "zod";
import { authedProcedure, projectProcedure, publicProcedure, requireRole, router, userProcedure } from "../trpc/init";
import { changePassword, signOutEverywhere } from "./accounts";
import { listAudit } from "./audit";
import { SESSION_COOKIE, signIn, signOut } from "./auth";
import * as c from "./contract";
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  lookupInvitation,
  revokeInvitation,
  signUpWithInvitation,
} from "./invitations";
import { createKey, listKeys, revokeKey, updateKeyLimits } from "./keys";
import { listMembers, removeMember, updateMemberRole } from "./members";
import { actorOf } from "./principal";
import { createOwnProject, listProjectsForUser } from "./projects";
import { instanceRouter } from "./router-instance";

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
  /** Ends every session of the user, this one included. */
  signOutEverywhere: userProcedure.output(z.object({ sessionsEnded: z.number() })).mutation(async ({ ctx }) => {
    const out = await signOutEverywhere(ctx.db, ctx.user.userId);
    ctx.resHeaders.append("Set-Cookie", cookie("", 0, ctx.secure));
    return out;
  }),
  /** Needs the current password; the user's other sessions end, this one stays. */
  changePassword: userProcedure
    .input(c.changePasswordInput)
    .output(z.object({ sessionsEnded: z.number() }))
    .mutation(({ ctx, input }) =>
      changePassword(ctx.db, actorOf(ctx.principal), { ...input, userId: ctx.user.userId, sessionId: ctx.user.sessionId }),
    ),
  me: authedProcedure.output(c.meOut).query(({ ctx }) => {
    const p = ctx.principal;
    if (p.kind === "user")
      return { kind: p.kind, isAdmin: p.isAdmin, user: { id: p.userId, email: p.email, name: p.name }, projectId: null, role: null };
    return { kind: p.kind, isAdmin: false, user: null, projectId: p.projectId, role: p.kind === "secretKey" ? p.role : null };
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
    .mutation(({ ctx, input }) => createOwnProject(ctx.db, ctx.user, input)),
  get: projectProcedure.output(c.projectAccessOut).query(({ ctx }) => ctx.project),
});

const members = router({
  list: projectProcedure
    .input(c.pageInput)
    .output(c.membersPage)
    .query(({ ctx, input }) => listMembers(ctx.db, ctx.projectId, input)),
  /** Invites by link (201 `{invitation}`), the same whether or not the address has an account. */
  add: projectProcedure
    .use(requireRole("admin"))
    .input(c.addMemberInput)
    .output(c.invitationCreatedOut)
    .mutation(({ ctx, input }) => createInvitation(ctx.db, actorOf(ctx.principal), ctx, input)),
  updateRole: projectProcedure
    .use(requireRole("admin"))
    .input(c.updateMemberInput)
    .output(z.object({ id: z.string(), role: c.role }))
    .mutation(({ ctx, input }) => updateMemberRole(ctx.db, actorOf(ctx.principal), ctx, input)),
  remove: projectProcedure
    .use(requireRole("admin"))
    .input(c.memberIdInput)
    .output(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => removeMember(ctx.db, actorOf(ctx.principal), ctx, input.memberId)),
});

const invitations = router({
  list: projectProcedure
    .use(requireRole("admin"))
    .input(c.listInvitationsInput)
    .output(c.invitationsPage)
    .query(({ ctx, input }) => listInvitations(ctx.db, ctx.projectId, input)),
  revoke: projectProcedure
    .use(requireRole("admin"))
    .input(c.invitationIdInput)
    .output(z.object({ id: z.string(), status: c.invitationStatus }))
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, actorOf(ctx.principal), ctx, input.invitationId)),
  /** For the invitation page: the link is the secret, so whoever holds it may see what it is for. */
  lookup: publicProcedure
    .input(c.invitationTokenInput)
    .output(c.invitationInfoOut)
    .query(({ ctx, input }) => lookupInvitation(ctx.db, input.token)),
  accept: userProcedure
    .input(c.invitationTokenInput)
    .output(c.acceptedOut)
    .mutation(({ ctx, input }) => acceptInvitation(ctx.db, ctx.user, input.token)),
  /** No account yet: set a password for the invited email, join, and get a session. */
  signUp: publicProcedure
    .input(c.signUpInput)
    .output(c.acceptedOut.extend({ user: c.userOut }))
    .mutation(async ({ ctx, input }) => {
      const res = await signUpWithInvitation(ctx.db, input);
      const maxAge = Math.floor((res.session.expiresAt.getTime() - Date.now()) / 1000);
      ctx.resHeaders.append("Set-Cookie", cookie(res.session.token, maxAge, ctx.secure));
      return { projectId: res.projectId, slug: res.slug, role: res.role, user: res.user };
    }),
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
  update: projectProcedure
    .use(requireRole("engineer"))
    .input(c.updateKeyLimitsInput)
    .output(c.keyOut)
    .mutation(({ ctx, input }) => updateKeyLimits(ctx.db, actorOf(ctx.principal), ctx, input)),
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

export const workspaceRouter = router({ auth, projects, members, invitations, keys, audit, instance: instanceRouter });

import { z } from "zod";
import { instanceAdminProcedure, router } from "../trpc/init";
import { disableUser, enableUser, listUsers, resetPassword, setAdmin } from "./accounts";
import * as c from "./contract";
import { getInstanceSettings, updateInstanceSetting } from "./instance";
import { actorOf } from "./principal";

/** `api.workspace.instance.*`: instance settings and users, for instance admins only (one rung). */
export const instanceRouter = router({
  settings: router({
    get: instanceAdminProcedure.output(c.instanceSettingsOut).query(({ ctx }) => getInstanceSettings(ctx.db)),
    set: instanceAdminProcedure
      .input(c.instanceSettingInput)
      .output(c.instanceSettingsOut)
      .mutation(({ ctx, input }) => updateInstanceSetting(ctx.db, actorOf(ctx.principal), input)),
  }),
  users: router({
    list: instanceAdminProcedure
      .input(c.pageInput)
      .output(c.adminUsersPage)
      .query(({ ctx, input }) => listUsers(ctx.db, input)),
    disable: instanceAdminProcedure
      .input(c.userIdInput)
      .output(z.object({ id: z.string(), disabledAt: z.date() }))
      .mutation(({ ctx, input }) => disableUser(ctx.db, actorOf(ctx.principal), input.userId)),
    enable: instanceAdminProcedure
      .input(c.userIdInput)
      .output(z.object({ id: z.string() }))
      .mutation(({ ctx, input }) => enableUser(ctx.db, actorOf(ctx.principal), input.userId)),
    setAdmin: instanceAdminProcedure
      .input(c.setAdminInput)
      .output(z.object({ id: z.string(), email: z.string(), isAdmin: z.boolean() }))
      .mutation(({ ctx, input }) => setAdmin(ctx.db, actorOf(ctx.principal), { userId: input.userId }, input.isAdmin)),
    /** The new password comes back once when generated (`password` not given). */
    resetPassword: instanceAdminProcedure
      .input(c.resetPasswordInput)
      .output(z.object({ id: z.string(), email: z.string(), password: z.string().nullable(), sessionsEnded: z.number() }))
      .mutation(({ ctx, input }) => resetPassword(ctx.db, actorOf(ctx.principal), input)),
  }),
});

import type { Database } from "../db/client";
import { DomainError } from "../server/core/errors";
import { createUser, generatePassword, resetPassword, SYSTEM_ACTOR, setAdmin } from "../server/workspace";

export interface UsersOptions {
  email?: string;
  password?: string;
  name?: string;
  admin?: boolean;
  off?: boolean;
}

type Say = (human: string, data: unknown) => void;
type Need = (v: string | undefined, flag: string) => string;

/** `keel users ...`: the operator's account controls; it acts as the system (no user) in the audit log. */
export async function usersCommand(d: Database, sub: string | undefined, rest: string[], opts: UsersOptions, say: Say, need: Need) {
  switch (sub) {
    case "create": {
      const generated = opts.password ? null : generatePassword();
      const u = await createUser(d.db, SYSTEM_ACTOR, {
        email: need(opts.email, "--email"),
        password: opts.password ?? (generated as string),
        name: opts.name,
        admin: opts.admin,
      });
      const out = { ...u, password: generated };
      return say(
        `user ${u.email} created (${u.id})${u.isAdmin ? ", instance admin" : ""}${generated ? `\npassword: ${generated}\n(shown once: store it now)` : ""}`,
        out,
      );
    }
    case "set-admin": {
      const email = need(rest[0] ?? opts.email, "EMAIL");
      const res = await setAdmin(d.db, SYSTEM_ACTOR, { email }, !opts.off);
      return say(`${res.email} is ${res.isAdmin ? "now" : "no longer"} an instance admin`, res);
    }
    case "reset-password": {
      const res = await resetPassword(d.db, SYSTEM_ACTOR, { email: need(opts.email, "--email"), password: opts.password });
      return say(
        `password of ${res.email} reset; ${res.sessionsEnded} session(s) ended${res.password ? `\npassword: ${res.password}\n(shown once: store it now)` : ""}`,
        res,
      );
    }
    default:
      throw new DomainError("BAD_REQUEST", `unknown users command: ${sub ?? "(none)"}; try create, set-admin or reset-password`);
  }
}

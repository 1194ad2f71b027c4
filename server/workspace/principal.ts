import type { Role } from "./roles";

/** A secret key's gateway limits, as stored on api_keys (null: that limit is off). */
export interface KeyLimits {
  rpm: number | null;
  tpm: number | null;
  budgetUsd: number | null;
  budgetPeriod: "day" | "month" | null;
  budgetMode: "hard" | "soft" | null;
  /** deployment names and `router:<name>`s (null: any) */
  allowedModels: string[] | null;
}

/** Who is calling: a signed-in user, a secret key (project-bound, role-capped) or a public key. */
export type Principal =
  /** `isAdmin`: an instance admin (instance settings, users); read with the session on each request. */
  | { kind: "user"; userId: string; email: string; name: string | null; sessionId: string; isAdmin: boolean }
  | {
      kind: "secretKey";
      keyId: string;
      projectId: string;
      role: Role;
      userId: string | null;
      /** its gateway limits (null: none); enforced by server/routing/key-limits.ts */
      limits: KeyLimits | null;
      /** ms since epoch; a cached key stops at this time too */
      expiresAt: number | null;
    }
  | { kind: "publicKey"; keyId: string; projectId: string; origins: string[] };

/** Who a write is attributed to in the audit log. */
export interface Actor {
  userId: string | null;
  keyId: string | null;
}

export function actorOf(p: Principal | null): Actor {
  if (!p) return { userId: null, keyId: null };
  if (p.kind === "user") return { userId: p.userId, keyId: null };
  if (p.kind === "secretKey") return { userId: p.userId, keyId: p.keyId };
  return { userId: null, keyId: p.keyId };
}

/** The CLI acts as the system: no user, no key. */
export const SYSTEM_ACTOR: Actor = { userId: null, keyId: null };

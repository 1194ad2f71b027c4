import type { RouterOutputs } from "./trpc";

export type Role = RouterOutputs["workspace"]["projects"]["get"]["role"];

/** Highest first. Used only to hide controls a role cannot use; the server enforces every check. */
export const ROLE_ORDER: readonly Role[] = ["owner", "admin", "engineer", "annotator", "viewer"];

export const atLeast = (role: Role | null | undefined, need: Role) => !!role && ROLE_ORDER.indexOf(role) <= ROLE_ORDER.indexOf(need);

export const roleLabel = (role: Role) => role.charAt(0).toUpperCase() + role.slice(1);

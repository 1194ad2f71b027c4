import { ROLES, type Role } from "../../db/schema";

/** Higher is more. owner > admin > engineer > annotator > viewer. */
export const rank = (r: Role): number => ROLES.length - ROLES.indexOf(r);
export const atLeast = (have: Role, need: Role): boolean => rank(have) >= rank(need);
export const lesserRole = (a: Role, b: Role): Role => (rank(a) <= rank(b) ? a : b);
export { ROLES, type Role };

/** The workspace domain's public face: what other domains and the tRPC layer may use. */
export {
  changePassword,
  disableUser,
  enableUser,
  generatePassword,
  listUsers,
  resetPassword,
  setAdmin,
  signOutEverywhere,
} from "./accounts";
export { listAudit, recordAudit } from "./audit";
export {
  clearKeyCache,
  endSessions,
  principalFromApiKey,
  principalFromSession,
  purgeExpired,
  SESSION_COOKIE,
  sha256,
  signIn,
  signOut,
} from "./auth";
export { createKeyInput } from "./inputs";
export { assertMayCreateProject, getInstanceSettings, updateInstanceSetting } from "./instance";
export {
  clearInstanceSettingsCache,
  getInstanceSetting,
  INSTANCE_SETTINGS,
  type InstanceSettingKey,
  setInstanceSetting,
} from "./instance-settings";
export {
  acceptInvitation,
  createInvitation,
  listInvitations,
  lookupInvitation,
  revokeInvitation,
  signUpWithInvitation,
} from "./invitations";
export { purgeSessionsJob } from "./jobs/purge-sessions";
export { createKey, listKeys, revokeKey, updateKeyLimits } from "./keys";
export { addMember, listMembers, removeMember, updateMemberRole } from "./members";
export { type Actor, actorOf, type KeyLimits, type Principal, SYSTEM_ACTOR } from "./principal";
export {
  createOwnProject,
  createProject,
  findProjectBySlug,
  listProjectsForUser,
  type ProjectAccess,
  projectAccess,
  slugify,
} from "./projects";
export { atLeast, ROLES, type Role } from "./roles";
export { DEMO_EMAIL, DEMO_SLUG, type SeedResult, seedDemo } from "./seed";
export { createUser, findUserByEmail } from "./users";

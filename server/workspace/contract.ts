import { z } from "zod";
import { pageInput } from "../core/pagination";
import { addMemberInput, email, invitationToken, password, role } from "./inputs";

export { changePasswordInput, createProjectInput, instanceSettingInput, signInInput, signUpInput } from "./inputs";
export { addMemberInput, role };

export const createUserInput = z.object({ email, password, name: z.string().max(200).optional() });
export const invitationTokenInput = z.object({ token: invitationToken });
export const invitationIdInput = z.object({ invitationId: z.uuid() });
export const listInvitationsInput = pageInput.extend({ pendingOnly: z.boolean().default(true) });
export const userIdInput = z.object({ userId: z.uuid() });
export const setAdminInput = z.object({ userId: z.uuid(), isAdmin: z.boolean() });
export const resetPasswordInput = z.object({ email: z.string().min(1).max(254), password: password.optional() });
export const updateMemberInput = z.object({ memberId: z.uuid(), role });
export const memberIdInput = z.object({ memberId: z.uuid() });
export { createKeyInput, updateKeyLimitsInput } from "./inputs";
export const keyIdInput = z.object({ keyId: z.uuid() });
export const listKeysInput = pageInput.extend({ includeRevoked: z.boolean().default(false) });
export { pageInput };

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const userOut = z.object({ id: z.string(), email: z.string(), name: z.string().nullable() });
export const projectOut = z.object({ id: z.string(), slug: z.string(), name: z.string(), createdAt: z.date() });
export const projectAccessOut = projectOut.extend({ role });
export const memberOut = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role,
  createdAt: z.date(),
});
export const keyOut = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(["secret", "public"]),
  prefix: z.string(),
  role,
  origins: z.array(z.string()),
  createdBy: z.string().nullable(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  createdAt: z.date(),
  rpm: z.number().nullable(),
  tpm: z.number().nullable(),
  budgetUsd: z.number().nullable(),
  budgetPeriod: z.enum(["day", "month"]).nullable(),
  budgetMode: z.enum(["hard", "soft"]).nullable(),
  allowedModels: z.array(z.string()).nullable(),
  expiresAt: z.date().nullable(),
});
export const auditOut = z.object({
  id: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  actorUserId: z.string().nullable(),
  actorEmail: z.string().nullable(),
  actorKeyId: z.string().nullable(),
  actorName: z.string().nullable(),
  actorKeyName: z.string().nullable(),
  /** the target named (a model, "model v3", a key, a member...); the id stays in targetId */
  targetName: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  createdAt: z.date(),
});
export const invitationStatus = z.enum(["pending", "accepted", "revoked", "expired"]);
export const invitationCreatedOut = z.object({ invitation: z.object({ id: z.string(), url: z.string(), expiresAt: z.date() }) });
export const invitationOut = z.object({
  id: z.string(),
  email: z.string(),
  role,
  status: invitationStatus,
  createdByEmail: z.string().nullable(),
  expiresAt: z.date(),
  createdAt: z.date(),
});
export const invitationInfoOut = z.object({
  projectName: z.string(),
  email: z.string(),
  role,
  status: invitationStatus,
  expiresAt: z.date(),
});
export const acceptedOut = z.object({ projectId: z.string(), slug: z.string(), role });
export const adminUserOut = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  isAdmin: z.boolean(),
  disabledAt: z.date().nullable(),
  disabledByEmail: z.string().nullable(),
  createdAt: z.date(),
});
export const instanceSettingsOut = z.object({
  egressAllow: z.array(z.string()),
  egressAllowEnv: z.array(z.string()),
  projectCreation: z.enum(["anyone", "admins"]),
  projectCreationDefault: z.enum(["anyone", "admins"]),
});
export const meOut = z.object({
  kind: z.enum(["user", "secretKey", "publicKey"]),
  /** An instance admin (signed-in users only; false for keys). */
  isAdmin: z.boolean(),
  user: userOut.nullable(),
  projectId: z.string().nullable(),
  role: role.nullable(),
});

export const projectsPage = page(projectAccessOut);
export const membersPage = page(memberOut);
export const keysPage = page(keyOut);
export const auditPage = page(auditOut);
export const invitationsPage = page(invitationOut);
export const adminUsersPage = page(adminUserOut);

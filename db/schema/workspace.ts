import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const ROLES = ["owner", "admin", "engineer", "annotator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** Column helpers shared by every domain's schema. */
export const id = () => uuid("id").primaryKey().default(sql`gen_random_uuid()`);
/**
 * Millisecond precision, from the clock (not the transaction start): keyset cursors carry a JS Date,
 * so a microsecond part would make rows skip or repeat across pages.
 */
export const createdAt = () =>
  timestamp("created_at", { withTimezone: true }).notNull().default(sql`date_trunc('milliseconds', clock_timestamp())`);

export const updatedAt = () =>
  timestamp("updated_at", { withTimezone: true }).notNull().default(sql`date_trunc('milliseconds', clock_timestamp())`);
/** `project_id`, deleted with its project. */
export const projectRef = () =>
  uuid("project_id")
    .notNull()
    .references(() => projects.id, { onDelete: "cascade" });

export const users = pgTable(
  "users",
  {
    id: id(),
    /** Stored lower-cased; unique. */
    email: text("email").notNull(),
    name: text("name"),
    /** scrypt$N$r$p$salt$hash, all base64url. */
    passwordHash: text("password_hash").notNull(),
    /** Instance admin: manages instance settings (egress, project creation) and users. */
    isAdmin: boolean("is_admin").notNull().default(false),
    /** Set by an instance admin: sessions and the user's keys stop working at once. */
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    disabledBy: uuid("disabled_by"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email)],
);

export const sessions = pgTable(
  "sessions",
  {
    /** sha256 of the cookie token; the token itself is never stored. */
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Last request seen; a session idle longer than KEEL_SESSION_IDLE_HOURS ends. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Instance-wide settings an instance admin changes in the console (`egress.allow`, `projects.creation`, ...). */
export const instanceSettings = pgTable("instance_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedBy: uuid("updated_by"),
  updatedAt: updatedAt(),
});

/** An invitation to a project by link; the token is shown once, only its sha256 is stored. */
export const invitations = pgTable(
  "invitations",
  {
    id: id(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** Stored lower-cased. */
    email: text("email").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedBy: uuid("accepted_by").references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("invitations_token_hash_key").on(t.tokenHash),
    index("invitations_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

export const projects = pgTable(
  "projects",
  {
    id: id(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("projects_slug_key").on(t.slug)],
);

export const memberships = pgTable(
  "memberships",
  {
    id: id(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("memberships_project_user_key").on(t.projectId, t.userId),
    index("memberships_user_idx").on(t.userId),
    index("memberships_project_created_idx").on(t.projectId, t.createdAt, t.id),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["secret", "public"] }).notNull(),
    /** First characters of the key (e.g. `sk_3fA9x`), shown in lists to tell keys apart. */
    prefix: text("prefix").notNull(),
    /** sha256 (hex) of the full key; keys carry 256 random bits so a slow hash adds nothing. */
    hash: text("hash").notNull(),
    /** Role cap of a secret key: the creating member's role at creation. */
    role: text("role", { enum: ROLES }).notNull(),
    /** Allowed browser origins of a public key. */
    origins: jsonb("origins").$type<string[]>().notNull().default([]),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Gateway limits of a secret key (null: none). Requests and tokens per minute, across every web process. */
    rpm: integer("rpm"),
    tpm: integer("tpm"),
    /** Spend budget in USD per UTC `budget_period`; `hard` refuses calls once spent, `soft` answers and flags. */
    budgetUsd: doublePrecision("budget_usd"),
    budgetPeriod: text("budget_period", { enum: ["day", "month"] }),
    budgetMode: text("budget_mode", { enum: ["hard", "soft"] }),
    /** Deployment names and `router:<name>`s the key may call through the gateway (null: any). */
    allowedModels: jsonb("allowed_models").$type<string[]>(),
    /** After this time the key is refused (401), as a revoked one. */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    /** Start of the budget period whose crossing was last announced (`key.budget_exceeded`): once per period. */
    budgetAlertedFor: timestamp("budget_alerted_for", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("api_keys_hash_key").on(t.hash), index("api_keys_project_created_idx").on(t.projectId, t.createdAt, t.id)],
);

export const auditLogs = pgTable(
  "audit_logs",
  {
    id: id(),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    actorUserId: uuid("actor_user_id"),
    actorKeyId: uuid("actor_key_id"),
    /** `<domain>.<object>.<verb>`, e.g. `workspace.key.create`. */
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    before: jsonb("before"),
    after: jsonb("after"),
    createdAt: createdAt(),
  },
  (t) => [index("audit_logs_project_created_idx").on(t.projectId, t.createdAt, t.id)],
);

/** Failed sign-ins, counted per key (`email:<e>` or `ip:<a>`) over a sliding window. */
export const loginFailures = pgTable(
  "login_failures",
  {
    id: id(),
    key: text("key").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("login_failures_key_created_idx").on(t.key, t.createdAt)],
);

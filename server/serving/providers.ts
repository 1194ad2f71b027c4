import { and, asc, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { checkEgressUrl } from "../core/egress";
import { DomainError, isUniqueViolation, notFound, parseOrThrow } from "../core/errors";
import { open, seal } from "../core/secrets";
import { type Actor, recordAudit } from "../workspace";
import { type ProviderInput, providerUpdate } from "./contract";
import { clearDeploymentCache } from "./deployment-cache";
import { providerEgressPolicy } from "./upstream";

const p = schema.providers;
export type ProviderRow = typeof p.$inferSelect;
/** What the API shows: never the key, only whether there is one. */
export type ProviderView = Omit<ProviderRow, "apiKeyEnc"> & { hasApiKey: boolean };
const view = ({ apiKeyEnc, ...rest }: ProviderRow): ProviderView => ({ ...rest, hasApiKey: apiKeyEnc !== null });

/**
 * A base URL the egress policy lets Keel reach (400 naming `baseUrl`), normalized (0x7f000001 is
 * stored as 127.0.0.1), without trailing slashes. Each connection is checked again when it opens.
 */
async function checkBaseUrl(db: DbOrTx, raw: string): Promise<string> {
  return (await checkEgressUrl(await providerEgressPolicy(db), raw, "baseUrl")).toString().replace(/\/+$/, "");
}

export async function createProvider(db: DbOrTx, actor: Actor, projectId: string, input: ProviderInput): Promise<ProviderView> {
  const baseUrl = await checkBaseUrl(db, input.baseUrl);
  try {
    return await db.transaction(async (tx) => {
      const { apiKey } = input;
      const rest = {
        name: input.name,
        baseUrl,
        timeoutMs: input.timeoutMs,
        maxRetries: input.maxRetries,
        maxConcurrency: input.maxConcurrency,
      };
      const [row] = await tx
        .insert(p)
        .values({ ...rest, projectId, apiKeyEnc: apiKey ? seal(apiKey) : null })
        .returning();
      if (!row) throw new Error("insert returned nothing");
      await recordAudit(tx, actor, {
        projectId,
        action: "serving.provider.create",
        targetType: "provider",
        targetId: row.id,
        after: { ...rest, apiKey: apiKey ? "(set)" : null },
      });
      return view(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a provider named ${input.name} already exists`, "name");
    throw err;
  }
}

/**
 * Change a provider's fields; a field left out keeps its value. The key is write-only: a string
 * replaces it, null removes it. Deployments of the provider see the change at once in this process.
 */
export async function updateProvider(
  db: DbOrTx,
  actor: Actor,
  projectId: string,
  raw: Omit<Partial<ProviderInput>, "apiKey"> & { providerId: string; apiKey?: string | null },
): Promise<ProviderView> {
  // parsed again here: explicit fields only (a router's input also carries projectId, a slug)
  const input = parseOrThrow(providerUpdate, raw);
  const { providerId, apiKey } = input;
  const rest = {
    name: input.name,
    baseUrl: input.baseUrl === undefined ? undefined : await checkBaseUrl(db, input.baseUrl),
    timeoutMs: input.timeoutMs,
    maxRetries: input.maxRetries,
    maxConcurrency: input.maxConcurrency,
  };
  const set: Partial<ProviderRow> = { updatedAt: new Date() };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (set as Record<string, unknown>)[k] = v;
  if (apiKey !== undefined) set.apiKeyEnc = apiKey === null ? null : seal(apiKey);
  try {
    return await db.transaction(async (tx) => {
      const [before] = await tx
        .select()
        .from(p)
        .where(and(eq(p.id, providerId), eq(p.projectId, projectId)))
        .for("update");
      if (!before) throw notFound("provider");
      const [row] = await tx.update(p).set(set).where(eq(p.id, before.id)).returning();
      if (!row) throw notFound("provider");
      const changed = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      await recordAudit(tx, actor, {
        projectId,
        action: "serving.provider.update",
        targetType: "provider",
        targetId: row.id,
        before: Object.fromEntries(Object.keys(changed).map((k) => [k, before[k as keyof typeof rest]])),
        after: { ...changed, ...(apiKey === undefined ? {} : { apiKey: apiKey ? "(set)" : null }) },
      });
      // the gateway's cached deployments carry their provider's row (URL, key, limits)
      clearDeploymentCache();
      return view(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a provider named ${input.name} already exists`, "name");
    throw err;
  }
}

/** Refused (409) while deployments of this project use it; another project's provider is not found (404). */
export async function deleteProvider(db: DbOrTx, actor: Actor, projectId: string, providerId: string): Promise<{ deleted: true }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: p.id })
      .from(p)
      .where(and(eq(p.id, providerId), eq(p.projectId, projectId)))
      .for("update");
    if (!row) throw notFound("provider");
    // scoped to the project: a deployment's name never leaks across projects
    const used = await tx
      .select({ name: schema.deployments.name })
      .from(schema.deployments)
      .where(and(eq(schema.deployments.projectId, projectId), eq(schema.deployments.providerId, row.id)))
      .limit(5);
    if (used.length) throw new DomainError("CONFLICT", `deployments use this provider: ${used.map((u) => u.name).join(", ")}`);
    await tx.delete(p).where(eq(p.id, row.id));
    await recordAudit(tx, actor, { projectId, action: "serving.provider.delete", targetType: "provider", targetId: row.id });
    return { deleted: true };
  });
}

export async function listProviders(db: DbOrTx, projectId: string): Promise<ProviderView[]> {
  return (await db.select().from(p).where(eq(p.projectId, projectId)).orderBy(asc(p.name)).limit(500)).map(view);
}

export async function getProviderByName(db: DbOrTx, projectId: string, name: string): Promise<ProviderRow> {
  const [row] = await db
    .select()
    .from(p)
    .where(and(eq(p.projectId, projectId), eq(p.name, name)));
  if (!row) throw new DomainError("NOT_FOUND", `provider ${name} not found`, "provider");
  return row;
}

/** The decrypted key, for the upstream call only. */
export const providerKey = (row: Pick<ProviderRow, "apiKeyEnc">): string | null => (row.apiKeyEnc ? open(row.apiKeyEnc) : null);

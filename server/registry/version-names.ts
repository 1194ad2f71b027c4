import { and, eq, inArray } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";

export interface VersionName {
  id: string;
  /** the registered model's name */
  model: string;
  version: number;
}

/**
 * Model versions by id as people name them ("tiny-gpt2" v1), for pages that hold only the id (a
 * gateway trace, an audit entry). Ids of other projects, or of deleted versions, are left out.
 */
export async function versionNames(db: DbOrTx, projectId: string, ids: string[]): Promise<VersionName[]> {
  if (ids.length === 0) return [];
  const v = schema.modelVersions;
  const m = schema.registeredModels;
  return db
    .select({ id: v.id, model: m.name, version: v.version })
    .from(v)
    .innerJoin(m, eq(m.id, v.modelId))
    .where(and(eq(v.projectId, projectId), inArray(v.id, [...new Set(ids)])));
}

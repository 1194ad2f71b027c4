import type { DbOrTx } from "../../db/client";
import { DomainError } from "../core/errors";
import { type DatasetVersion, getDataset, getVersionByNumber, listVersions } from "../datasets";

/** A dataset version named as a monitor's reference (the latest when no number): a 400 naming it when missing. */
export async function datasetVersionFor(db: DbOrTx, projectId: string, name: string, version?: number): Promise<DatasetVersion> {
  const missing = (what: string) => new DomainError("BAD_REQUEST", `reference ${what} not found`, "config.reference");
  try {
    if (version) return await getVersionByNumber(db, projectId, name, version);
    const ds = await getDataset(db, projectId, { name });
    const latest = (await listVersions(db, projectId, ds.id, { limit: 1 })).items[0];
    if (!latest) throw new DomainError("BAD_REQUEST", `reference dataset ${name} has no versions`, "config.reference");
    return latest;
  } catch (err) {
    if (err instanceof DomainError && err.code === "NOT_FOUND") throw missing(version ? `dataset ${name} v${version}` : `dataset ${name}`);
    throw err;
  }
}

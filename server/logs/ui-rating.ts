import type { DbOrTx } from "../../db/client";
import { DomainError } from "../core/errors";
import type { RatingBody } from "./contract";
import { type IngestOptions, ingestBatch } from "./ingest";

/** One rating through the ingest path, its per-event refusal turned into an error naming the field. */
export async function addRating(
  db: DbOrTx,
  projectId: string,
  input: RatingBody & { id?: string },
  opts: IngestOptions,
): Promise<{ id: string }> {
  const { id, ...body } = input;
  const [res] = await ingestBatch(db, projectId, [{ type: "rating", id, body }], opts);
  if (res?.status !== 201) {
    const error = res?.error ?? "rating refused";
    const field = error.match(/^([\w.[\]]+): /)?.[1]?.replace(/^body\./, "");
    throw new DomainError(res?.status === 404 ? "NOT_FOUND" : res?.status === 409 ? "CONFLICT" : "BAD_REQUEST", error, field);
  }
  return { id: res.id as string };
}

export const uiRating = (
  db: DbOrTx,
  projectId: string,
  authorUserId: string | null,
  input: Omit<RatingBody, "endUserId"> & { id?: string },
) => addRating(db, projectId, input, { source: "ui", authorUserId });

import { and, asc, eq } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";

export interface Price {
  id: string;
  match: string;
  inputPerMillion: number;
  outputPerMillion: number;
}

type Matcher = { test: (model: string) => boolean; price: Price };

/** `match` is an exact model name, or a regular expression written as `/.../flags`. */
export function compileMatch(match: string): (model: string) => boolean {
  const re = match.match(/^\/(.+)\/([imsu]*)$/);
  if (!re) return (model) => model === match;
  let compiled: RegExp;
  try {
    compiled = new RegExp(re[1] as string, re[2]);
  } catch (err) {
    throw new DomainError("BAD_REQUEST", `match ${match} is not a valid regular expression: ${(err as Error).message}`, "match");
  }
  return (model) => compiled.test(model);
}

/**
 * Cost in USD of `inputTokens` + `outputTokens` on `model`, from the first matching price: exact
 * names win over patterns, then older entries first. Null when no price matches.
 */
export function priceLookup(prices: Price[]): (model: string, inputTokens: number, outputTokens: number) => number | null {
  const exact = new Map(prices.filter((p) => !p.match.startsWith("/")).map((p) => [p.match, p]));
  const patterns: Matcher[] = prices.filter((p) => p.match.startsWith("/")).map((p) => ({ test: compileMatch(p.match), price: p }));
  return (model, inputTokens, outputTokens) => {
    const p = exact.get(model) ?? patterns.find((m) => m.test(model))?.price;
    if (!p) return null;
    return (inputTokens * p.inputPerMillion + outputTokens * p.outputPerMillion) / 1_000_000;
  };
}

const mp = schema.modelPrices;
const cols = { id: mp.id, match: mp.match, inputPerMillion: mp.inputPerMillion, outputPerMillion: mp.outputPerMillion };

export async function listPrices(db: DbOrTx, projectId: string): Promise<Price[]> {
  return db.select(cols).from(mp).where(eq(mp.projectId, projectId)).orderBy(asc(mp.createdAt), asc(mp.id));
}

export async function upsertPrice(db: DbOrTx, actor: Actor, projectId: string, input: Omit<Price, "id">): Promise<Price> {
  compileMatch(input.match);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(mp)
        .values({ ...input, projectId })
        .onConflictDoUpdate({
          target: [mp.projectId, mp.match],
          set: { inputPerMillion: input.inputPerMillion, outputPerMillion: input.outputPerMillion },
        })
        .returning(cols);
      if (!row) throw new Error("upsert returned nothing");
      await recordAudit(tx, actor, { projectId, action: "logs.price.upsert", targetType: "model_price", targetId: row.id, after: input });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError("CONFLICT", `a price for ${input.match} already exists`, "match");
    throw err;
  }
}

export async function deletePrice(db: DbOrTx, actor: Actor, projectId: string, id: string): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(mp)
      .where(and(eq(mp.id, id), eq(mp.projectId, projectId)))
      .returning(cols);
    if (!row) throw notFound("price");
    await recordAudit(tx, actor, { projectId, action: "logs.price.delete", targetType: "model_price", targetId: id, before: row });
    return { id };
  });
}

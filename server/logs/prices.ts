import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { type DbOrTx, schema } from "../../db/client";
import { DomainError, isUniqueViolation, notFound } from "../core/errors";
import { type Actor, recordAudit } from "../workspace";
import { CATALOG_DATE, type CatalogPrice, catalogPrice, PRICE_CATALOG } from "./price-catalog";

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

/** USD per million input and output tokens. */
export type PerMillion = Pick<Price, "inputPerMillion" | "outputPerMillion">;
export type CostOf = (model: string, inputTokens: number, outputTokens: number) => number | null;

const usd = (p: PerMillion, inputTokens: number, outputTokens: number) =>
  (inputTokens * p.inputPerMillion + outputTokens * p.outputPerMillion) / 1_000_000;

/**
 * Cost in USD of `inputTokens` + `outputTokens` on `model`: the project's price table first (exact
 * names win over patterns, then older entries first), else the built-in catalogue (price-catalog.ts;
 * `catalog: false` leaves it out). Null when no price matches.
 */
export function priceLookup(prices: Price[], opts: { catalog?: boolean } = {}): CostOf {
  const exact = new Map(prices.filter((p) => !p.match.startsWith("/")).map((p) => [p.match, p]));
  const patterns: Matcher[] = prices.filter((p) => p.match.startsWith("/")).map((p) => ({ test: compileMatch(p.match), price: p }));
  const useCatalog = opts.catalog ?? true;
  // a batch names a handful of models many times: each is matched once
  const seen = new Map<string, PerMillion | null>();
  const priceOf = (model: string): PerMillion | null => {
    let p = seen.get(model);
    if (p === undefined) {
      p = exact.get(model) ?? patterns.find((m) => m.test(model))?.price ?? (useCatalog ? catalogPrice(model) : null);
      if (seen.size < 1000) seen.set(model, p);
    }
    return p;
  };
  return (model, inputTokens, outputTokens) => {
    const p = priceOf(model);
    return p ? usd(p, inputTokens, outputTokens) : null;
  };
}

/** A gateway deployment's own prices, USD per 1,000 tokens; both 0 (the default) means it has none. */
export interface DeploymentPrices {
  inputPricePer1k: number;
  outputPricePer1k: number;
}

/**
 * The cost of one call, in the one order of precedence: the deployment's own prices (gateway calls
 * through a priced deployment), else the project's price table, else the catalogue (`lookup`). Null
 * when nothing prices the model.
 */
export function callCost(
  deployment: DeploymentPrices | null | undefined,
  model: string | null,
  inputTokens: number,
  outputTokens: number,
  lookup: CostOf,
): number | null {
  if (deployment && (deployment.inputPricePer1k > 0 || deployment.outputPricePer1k > 0))
    return (inputTokens * deployment.inputPricePer1k + outputTokens * deployment.outputPricePer1k) / 1000;
  return model ? lookup(model, inputTokens, outputTokens) : null;
}

export const catalogOut = z.object({
  /** when these prices were taken from the providers' price pages */
  date: z.string(),
  prices: z.array(
    z.object({
      match: z.string(),
      provider: z.enum(["openai", "anthropic", "google", "mistral"]),
      inputPerMillion: z.number(),
      outputPerMillion: z.number(),
    }),
  ),
});

/** The built-in catalogue as the console and the API list it. */
export function listCatalog(): { date: string; prices: CatalogPrice[] } {
  return { date: CATALOG_DATE, prices: [...PRICE_CATALOG] };
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
        // the fields named: callers pass their whole input (the procedure's includes projectId, as a slug)
        .values({ projectId, match: input.match, inputPerMillion: input.inputPerMillion, outputPerMillion: input.outputPerMillion })
        .onConflictDoUpdate({
          target: [mp.projectId, mp.match],
          set: { inputPerMillion: input.inputPerMillion, outputPerMillion: input.outputPerMillion },
        })
        .returning(cols);
      if (!row) throw new Error("upsert returned nothing");
      const after = { match: row.match, inputPerMillion: row.inputPerMillion, outputPerMillion: row.outputPerMillion };
      await recordAudit(tx, actor, { projectId, action: "logs.price.upsert", targetType: "model_price", targetId: row.id, after });
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

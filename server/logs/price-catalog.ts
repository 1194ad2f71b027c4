/**
 * Built-in list prices of common hosted models, in the project price table's unit: USD per million
 * input and output tokens. The cost of a generation that reported none falls back to these when the
 * project's own price table has no match (prices.ts). Prices are the providers' standard tier for
 * text (the shortest-context tier where a provider charges more for long prompts; no batch or cache
 * discounts), as published on CATALOG_DATE: a project that pays otherwise sets its own prices.
 */
export const CATALOG_DATE = "2025-11-30";

export type CatalogProvider = "openai" | "anthropic" | "google" | "mistral";

export interface CatalogPrice {
  /** a model name; it also matches dated or suffixed names (`gpt-4o` matches `gpt-4o-2024-08-06`) */
  match: string;
  provider: CatalogProvider;
  inputPerMillion: number;
  outputPerMillion: number;
}

type Row = [match: string | string[], input: number, output: number];

const OPENAI: Row[] = [
  ["gpt-5", 1.25, 10],
  ["gpt-5-mini", 0.25, 2],
  ["gpt-5-nano", 0.05, 0.4],
  ["gpt-4.1", 2, 8],
  ["gpt-4.1-mini", 0.4, 1.6],
  ["gpt-4.1-nano", 0.1, 0.4],
  ["gpt-4o", 2.5, 10],
  // the first gpt-4o snapshot kept its launch price
  ["gpt-4o-2024-05-13", 5, 15],
  ["chatgpt-4o-latest", 5, 15],
  ["gpt-4o-realtime-preview", 5, 20],
  ["gpt-4o-mini", 0.15, 0.6],
  ["gpt-4o-mini-realtime-preview", 0.6, 2.4],
  ["o1", 15, 60],
  ["o1-pro", 150, 600],
  ["o1-mini", 1.1, 4.4],
  ["o3", 2, 8],
  ["o3-pro", 20, 80],
  ["o3-mini", 1.1, 4.4],
  ["o4-mini", 1.1, 4.4],
  // the GPT-4 Turbo previews were named gpt-4-<date>-preview
  [["gpt-4-turbo", "gpt-4-1106-preview", "gpt-4-0125-preview"], 10, 30],
  ["gpt-4", 30, 60],
  ["gpt-4-32k", 60, 120],
  ["gpt-3.5-turbo", 0.5, 1.5],
  ["gpt-3.5-turbo-16k", 3, 4],
  ["gpt-3.5-turbo-instruct", 1.5, 2],
  ["text-embedding-3-small", 0.02, 0],
  ["text-embedding-3-large", 0.13, 0],
  ["text-embedding-ada-002", 0.1, 0],
];

// Anthropic's ids use dashes (claude-3-5-sonnet); routers such as OpenRouter write dots (claude-3.5-sonnet)
const ANTHROPIC: Row[] = [
  ["claude-3-opus", 15, 75],
  ["claude-3-sonnet", 3, 15],
  ["claude-3-haiku", 0.25, 1.25],
  [["claude-3-5-sonnet", "claude-3.5-sonnet"], 3, 15],
  [["claude-3-5-haiku", "claude-3.5-haiku"], 0.8, 4],
  [["claude-3-7-sonnet", "claude-3.7-sonnet"], 3, 15],
  ["claude-sonnet-4", 3, 15],
  [["claude-sonnet-4-5", "claude-sonnet-4.5"], 3, 15],
  ["claude-opus-4", 15, 75],
  [["claude-opus-4-1", "claude-opus-4.1"], 15, 75],
  [["claude-opus-4-5", "claude-opus-4.5"], 5, 25],
  [["claude-haiku-4-5", "claude-haiku-4.5"], 1, 5],
];

const GOOGLE: Row[] = [
  ["gemini-1.5-pro", 1.25, 5],
  ["gemini-1.5-flash", 0.075, 0.3],
  ["gemini-1.5-flash-8b", 0.0375, 0.15],
  ["gemini-2.0-flash", 0.1, 0.4],
  ["gemini-2.0-flash-lite", 0.075, 0.3],
  ["gemini-2.5-pro", 1.25, 10],
  ["gemini-2.5-flash", 0.3, 2.5],
  ["gemini-2.5-flash-lite", 0.1, 0.4],
  ["gemini-3-pro", 2, 12],
];

const MISTRAL: Row[] = [
  ["mistral-large", 2, 6],
  ["mistral-medium", 0.4, 2],
  ["mistral-small", 0.1, 0.3],
  ["codestral", 0.3, 0.9],
  ["pixtral-large", 2, 6],
  ["ministral-8b", 0.1, 0.1],
  ["ministral-3b", 0.04, 0.04],
  [["open-mistral-nemo", "mistral-nemo"], 0.15, 0.15],
  ["magistral-medium", 2, 5],
  ["magistral-small", 0.5, 1.5],
];

const expand = (provider: CatalogProvider, rows: Row[]): CatalogPrice[] =>
  rows.flatMap(([match, inputPerMillion, outputPerMillion]) =>
    (Array.isArray(match) ? match : [match]).map((m) => ({ match: m, provider, inputPerMillion, outputPerMillion })),
  );

export const PRICE_CATALOG: readonly CatalogPrice[] = [
  ...expand("openai", OPENAI),
  ...expand("anthropic", ANTHROPIC),
  ...expand("google", GOOGLE),
  ...expand("mistral", MISTRAL),
];

/** Longest first: the first pattern that matches is the most specific (`gpt-4o-mini` before `gpt-4o`). */
const BY_LENGTH = [...PRICE_CATALOG].sort((a, b) => b.match.length - a.match.length);

/**
 * The name as the catalogue spells it: lower case, without a router's or SDK's prefix
 * (`openai/gpt-4o`, `models/gemini-1.5-pro`) or a cloud's vendor prefix
 * (`us.anthropic.claude-3-5-sonnet-20241022-v2:0` on Bedrock).
 */
export function catalogName(model: string): string {
  const last = model.trim().toLowerCase().split("/").at(-1) ?? "";
  return last.replace(/^(?:[a-z]{2}\.)?(?:anthropic|openai|google|mistral|mistralai)\./, "");
}

/**
 * A pattern matches the name itself and the name followed by a dated or variant suffix after `-`,
 * `@` (Vertex: `claude-3-5-sonnet@20240620`) or `:` (`...-v1:0`). Not after `.`: `gpt-4` must not
 * price `gpt-4.5-preview`, nor `claude-sonnet-4` price `claude-sonnet-4.5`.
 */
const matches = (name: string, pattern: string) =>
  name === pattern || (name.startsWith(pattern) && "-@:".includes(name.charAt(pattern.length)));

/** The catalogue's price for a model name, the longest matching pattern winning; null when none matches. */
export function catalogPrice(model: string): CatalogPrice | null {
  const name = catalogName(model);
  if (!name) return null;
  return BY_LENGTH.find((p) => matches(name, p.match)) ?? null;
}

import type { SCORE_TYPES } from "../../db/schema";

type ScoreType = (typeof SCORE_TYPES)[number];

export interface ScoreConfigLike {
  id: string;
  name: string;
  dataType: ScoreType;
  min: number | null;
  max: number | null;
  categories: { label: string; value: number }[] | null;
  archived: boolean;
}

export type NormalizedRating =
  | { ok: true; configId: string | null; dataType: ScoreType; value: number | null; stringValue: string | null }
  | { ok: false; error: string };

/**
 * Check a rating value against its score config and put it in storage form: numbers in `value`
 * (booleans as 0/1, categories as their value), labels and text in `stringValue`. Without a config
 * the type follows the value: number -> numeric, boolean -> boolean, string -> text.
 */
export function normalizeRating(value: number | string | boolean, config: ScoreConfigLike | undefined): NormalizedRating {
  if (!config) {
    if (typeof value === "number") return { ok: true, configId: null, dataType: "numeric", value, stringValue: null };
    if (typeof value === "boolean") return { ok: true, configId: null, dataType: "boolean", value: value ? 1 : 0, stringValue: null };
    return { ok: true, configId: null, dataType: "text", value: null, stringValue: value };
  }
  const base = { ok: true as const, configId: config.id, dataType: config.dataType };
  const bad = (why: string): NormalizedRating => ({
    ok: false,
    error: `value: ${why} (score config "${config.name}", ${config.dataType})`,
  });
  if (config.archived) return { ok: false, error: `score config "${config.name}" is archived` };
  switch (config.dataType) {
    case "numeric": {
      if (typeof value !== "number") return bad(`expected a number, got ${JSON.stringify(value)}`);
      if ((config.min !== null && value < config.min) || (config.max !== null && value > config.max))
        return bad(`${value} is outside ${config.min ?? "-inf"}..${config.max ?? "+inf"}`);
      return { ...base, value, stringValue: null };
    }
    case "boolean": {
      if (typeof value === "boolean") return { ...base, value: value ? 1 : 0, stringValue: null };
      if (value === 0 || value === 1) return { ...base, value, stringValue: null };
      return bad(`expected true/false (or 1/0), got ${JSON.stringify(value)}`);
    }
    case "categorical": {
      const cats = config.categories ?? [];
      const hit = cats.find((c) => c.label === value || c.value === value);
      if (!hit) return bad(`${JSON.stringify(value)} is not one of ${cats.map((c) => c.label).join(", ")}`);
      return { ...base, value: hit.value, stringValue: hit.label };
    }
    case "text": {
      if (typeof value !== "string") return bad(`expected text, got ${JSON.stringify(value)}`);
      return { ...base, value: null, stringValue: value };
    }
  }
}

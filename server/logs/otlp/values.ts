/** Reading OTLP attribute values, which senders give as numbers, numeric strings or JSON text. */

/** A finite number, from a number or a numeric string; undefined otherwise. */
export const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;

/** A non-empty string; undefined otherwise. */
export const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** JSON text parsed; anything else (or text that is not JSON) as it is. */
export function json(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** A plain object, parsed from JSON text where need be; undefined for anything else. */
export function record(v: unknown): Record<string, unknown> | undefined {
  const parsed = json(v);
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** Undefined-valued keys dropped, and undefined for an object left empty: the ingest merge keeps what it had. */
export function compact<T extends Record<string, unknown>>(o: T): T | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return Object.keys(out).length ? out : undefined;
}

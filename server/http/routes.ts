/** Path params by name, as the route table matched them (`:name` one segment, `*rest` the remainder). */
export type Params = Record<string, string>;

/** The JSON Schema type of each input field (`boolean`, `integer`, `array`...), as a query string is coerced to. */
export type FieldTypes = Record<string, string | undefined>;

const typeOf = (schema: unknown): string | undefined => {
  const s = schema as { type?: unknown; anyOf?: unknown[] } | undefined;
  if (typeof s?.type === "string") return s.type;
  if (Array.isArray(s?.type)) return (s.type as string[]).find((t) => t !== "null");
  return s?.anyOf?.map(typeOf).find((t) => t && t !== "null");
};

/** The field types of an object JSON Schema (openapi.ts's inputSchema of an entry). */
export function fieldTypes(schema: { properties?: Record<string, unknown> } | null): FieldTypes {
  return Object.fromEntries(Object.entries(schema?.properties ?? {}).map(([k, v]) => [k, typeOf(v)]));
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Query strings are text: each parameter is coerced to the type its input field declares (`true` /
 * `false` for booleans, numerals for numbers, a comma list or a repeated parameter for arrays); a
 * value that does not fit stays text, and the procedure's schema then names the field. `project` is
 * the project-less paths' project, not an input.
 */
export function queryInput(url: URL, types: FieldTypes = {}): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  for (const k of new Set(url.searchParams.keys())) {
    if (k === "project") continue;
    const all = url.searchParams.getAll(k);
    const v = all[all.length - 1] as string;
    const type = types[k] ?? (k === "limit" ? "integer" : k === "status" ? "array" : undefined);
    if (type === "array") q[k] = all.flatMap((x) => x.split(",")).filter((x) => x !== "");
    else if (type === "boolean") q[k] = v === "true" ? true : v === "false" ? false : v;
    else if ((type === "integer" || type === "number") && NUMBER.test(v)) q[k] = Number(v);
    else q[k] = v;
  }
  return q;
}

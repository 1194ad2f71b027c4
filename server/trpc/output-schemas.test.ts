import { describe, expect, it } from "vitest";
import { z } from "zod";
import { appRouter } from "./root";

/**
 * Every procedure declares its output (issue 15): the OpenAPI document is generated from these
 * schemas, and tRPC checks each response against its own. A schema that zod cannot turn into JSON
 * Schema (a transform, a custom type) would break the document, so each is converted here.
 */

/** Procedures allowed without an output schema, each with its reason: none today. */
const WITHOUT_OUTPUT: Record<string, string> = {};

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  output?: z.ZodType;
}

const all = appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>;
const procedures = Object.entries(all).map(([path, p]) => ({
  path,
  def: p._def,
}));

describe("procedure output schemas", () => {
  it("finds the procedures", () => {
    expect(procedures.length).toBeGreaterThan(100);
  });

  it("every procedure declares one", () => {
    const missing = procedures.filter((p) => !p.def.output && !(p.path in WITHOUT_OUTPUT)).map((p) => p.path);
    expect(missing).toEqual([]);
    const declared = procedures.filter((p) => p.def.output).length;
    // for the CI log; an exception that gained its output can leave the list
    console.info(`procedures: ${procedures.length}, with an output schema: ${declared}, without: ${procedures.length - declared}`);
  });

  it("every output schema converts to JSON Schema", () => {
    const failures: string[] = [];
    for (const { path, def } of procedures) {
      if (!def.output) continue;
      try {
        const json = z.toJSONSchema(def.output, { io: "output", unrepresentable: "any" });
        expect(typeof json).toBe("object");
      } catch (err) {
        failures.push(`${path}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("a row's date columns stay dates and nullable columns nullable", () => {
    const get = all["datasets.create"];
    const out = get?._def.output;
    expect(out).toBeDefined();
    const row = { id: "d", projectId: "p", name: "n", description: null, createdAt: new Date() };
    expect(out?.parse(row)).toEqual(row);
    expect(() => out?.parse({ ...row, createdAt: "2026-01-01" })).toThrow();
    expect(() => out?.parse({ ...row, name: null })).toThrow();
  });
});

import { describe, expect, it } from "vitest";
import { activeFilters, EMPTY_QUERY, parseQuery, toApiFilter, toQueryString } from "./filters";

const ID = "0192f0a4-1b2c-7d3e-8f40-123456789abc";

describe("the explorer's prompt-version filter", () => {
  it("round-trips through the URL and becomes the server's promptVersionId", () => {
    const q = parseQuery(new URLSearchParams({ promptVersion: ID }));
    expect(q.promptVersion).toBe(ID);
    expect(toQueryString(q)).toBe(`promptVersion=${ID}`);
    expect(toApiFilter(q, Date.now())).toEqual({ promptVersionId: ID });
  });
  it("drops a value that is not an id (a mistyped URL) instead of sending it", () => {
    expect(toApiFilter({ ...EMPTY_QUERY, promptVersion: "qa v1" }, Date.now())).toEqual({});
  });
  it("names the version on its chip when the name is known", () => {
    const q = { ...EMPTY_QUERY, promptVersion: ID };
    expect(activeFilters(q, "qa v2")).toEqual([{ key: "promptVersion", label: "prompt: qa v2" }]);
    expect(activeFilters(q)).toEqual([{ key: "promptVersion", label: `prompt: ${ID}` }]);
  });
});

describe("the explorer's gateway-key filter", () => {
  it("round-trips through the URL as ?key= and becomes the server's apiKeyId; a non-id is dropped", () => {
    const q = parseQuery(new URLSearchParams({ key: ID }));
    expect(q.key).toBe(ID);
    expect(toQueryString(q)).toBe(`key=${ID}`);
    expect(toApiFilter(q, Date.now())).toEqual({ apiKeyId: ID });
    expect(toApiFilter({ ...EMPTY_QUERY, key: "sk_3fA9x" }, Date.now())).toEqual({});
  });
  it("names the key on its chip when the name is known", () => {
    const q = { ...EMPTY_QUERY, key: ID };
    expect(activeFilters(q, undefined, "ci (sk_3fA9x…)")).toEqual([{ key: "key", label: "key: ci (sk_3fA9x…)" }]);
    expect(activeFilters(q)).toEqual([{ key: "key", label: `key: ${ID}` }]);
  });
});

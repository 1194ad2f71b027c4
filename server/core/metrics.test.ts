import { describe, expect, it } from "vitest";
import { routeGroup } from "./metrics";

describe("routeGroup", () => {
  it("keeps labels low-cardinality", () => {
    expect(routeGroup("/api/trpc/workspace.projects.list")).toBe("/api/trpc/workspace.projects.list");
    expect(routeGroup("/api/trpc/a.b,c.d")).toBe("/api/trpc/a.b");
    expect(routeGroup("/api/v1/projects/demo/keys/123")).toBe("/api/v1");
    expect(routeGroup("/api/health")).toBe("/api/health");
    expect(routeGroup("/_next/static/chunks/x.js")).toBe("static");
    expect(routeGroup("/demo/settings")).toBe("page");
  });
});

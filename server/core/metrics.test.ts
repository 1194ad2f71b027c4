import { describe, expect, it } from "vitest";
import { type RouteCatalog, routeGroup } from "./metrics";

const catalog: RouteCatalog = {
  procedures: new Set(["workspace.projects.list", "a.b"]),
  v1Patterns: ["/projects/:projectId/keys/:keyId", "/registry/models/:name/versions/:ref/artifacts/*path", "/chat/completions"],
};

describe("routeGroup", () => {
  it("labels from the catalog, never from raw segments", () => {
    expect(routeGroup("/api/trpc/workspace.projects.list", catalog)).toBe("/api/trpc/workspace.projects.list");
    expect(routeGroup("/api/trpc/a.b,c.d?batch=1", catalog)).toBe("/api/trpc/a.b");
    expect(routeGroup("/api/trpc/no.such.thing", catalog)).toBe("/api/trpc/unknown");
    expect(routeGroup("/api/v1/projects/demo/keys/123", catalog)).toBe("/api/v1/projects/:projectId/keys/:keyId");
    expect(routeGroup("/api/v1/registry/models/m/versions/2/artifacts/a/b.bin", catalog)).toBe(
      "/api/v1/registry/models/:name/versions/:ref/artifacts/*path",
    );
    expect(routeGroup("/api/v1/chat/completions", catalog)).toBe("/api/v1/chat/completions");
    expect(routeGroup("/api/v1/projects/demo/keys", catalog)).toBe("/api/v1/unknown");
    expect(routeGroup("/api/health", catalog)).toBe("/api/health");
    expect(routeGroup("/api/whatever-123", catalog)).toBe("/api/unknown");
    expect(routeGroup("/_next/static/chunks/x.js", catalog)).toBe("static");
    expect(routeGroup("/demo/settings", catalog)).toBe("page");
  });
});

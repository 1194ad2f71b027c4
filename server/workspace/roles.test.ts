import { describe, expect, it } from "vitest";
import { atLeast, lesserRole } from "./roles";

describe("roles", () => {
  it("orders owner > admin > engineer > annotator > viewer", () => {
    expect(atLeast("owner", "admin")).toBe(true);
    expect(atLeast("admin", "owner")).toBe(false);
    expect(atLeast("engineer", "engineer")).toBe(true);
    expect(atLeast("annotator", "engineer")).toBe(false);
    expect(atLeast("viewer", "annotator")).toBe(false);
  });
  it("caps a role by another", () => {
    expect(lesserRole("owner", "engineer")).toBe("engineer");
    expect(lesserRole("viewer", "admin")).toBe("viewer");
  });
});

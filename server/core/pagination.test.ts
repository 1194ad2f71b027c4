import { describe, expect, it } from "vitest";
import { decodeCursor, toPage } from "./pagination";

describe("keyset pagination", () => {
  const rows = [3, 2, 1].map((n) => ({ id: `00000000-0000-4000-8000-00000000000${n}`, createdAt: new Date(Date.UTC(2026, 0, n)) }));

  it("trims the extra row and encodes the last kept row as the cursor", () => {
    const page = toPage(rows, 2);
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor(page.nextCursor as string)).toEqual({ t: rows[1]?.createdAt.toISOString(), id: rows[1]?.id });
  });

  it("has no cursor on the last page", () => {
    expect(toPage(rows, 3).nextCursor).toBeNull();
  });

  it("rejects cursors it did not make, naming the field", () => {
    for (const bad of ["", "%%%", Buffer.from("{}").toString("base64url"), Buffer.from('{"t":"x","id":"y"}').toString("base64url")]) {
      expect(() => decodeCursor(bad)).toThrowError(expect.objectContaining({ code: "BAD_REQUEST", field: "cursor" }));
    }
  });
});

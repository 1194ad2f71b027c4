import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";

const WIDGET = path.resolve(import.meta.dirname, "../../public/widget.js");

/** widget.js ships as written (no build step), so its budget and syntax are checked on the file itself. */
describe("public/widget.js", () => {
  const source = fs.readFileSync(WIDGET, "utf8");

  it("stays under 5 kB gzipped", () => {
    const gzipped = zlib.gzipSync(source, { level: 9 }).length;
    expect(gzipped).toBeLessThan(5120);
  });

  it("is valid JavaScript, one IIFE, with no imports", () => {
    expect(() => new vm.Script(source, { filename: "widget.js" })).not.toThrow();
    expect(source).not.toMatch(/^\s*(import|export)\s/m);
    expect(source).not.toMatch(/\brequire\(/);
  });

  it("does nothing but define window.KeelRating when loaded without data attributes", () => {
    const window: Record<string, unknown> = {};
    const context = vm.createContext({ window, document: { currentScript: null }, crypto: globalThis.crypto });
    new vm.Script(source).runInContext(context);
    expect(typeof (window.KeelRating as { render?: unknown })?.render).toBe("function");
  });
});

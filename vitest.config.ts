import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname) };

/**
 * Four projects (the fourth, `fault`, below): `unit` (pure code beside it, no database), `integration` (test/<slug>/ against a
 * real PostgreSQL: DATABASE_URL, else an embedded server) and `e2e` (a real browser against
 * `keel start`; skipped, saying why, where Chromium is missing).
 */
export default defineConfig({
  resolve: { alias },
  test: {
    // test files wait on PostgreSQL and child processes more than on the CPU: two at a time even on
    // 2 cores (the integration project's wall time drops by about a third; e2e files still run one at a time)
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["server/**/*.test.ts", "db/**/*.test.ts", "cli/**/*.test.ts", "app/**/*.test.ts"] },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/fault/**"],
          globalSetup: ["test/helpers/global-db.ts"],
          // content-addressed, so every test file can share one store
          env: { KEEL_ARTIFACTS_DIR: path.join(os.tmpdir(), "keel-test-artifacts") },
          // generous: two files share the machine's cores; a timeout only ever catches a hang
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-app.ts"],
          // expect.poll gives up after 1 s by default; a loaded 2-core CI machine needs more
          expect: { poll: { timeout: 15_000 } },
          testTimeout: 90_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          // kill -9 of the web process, of the embedded PostgreSQL and of a worker mid-job, against real
          // `keel` processes; run by .ci/run in its machine-PostgreSQL pass (they start their own servers)
          name: "fault",
          include: ["test/fault/**/*.test.ts"],
          env: { KEEL_ARTIFACTS_DIR: path.join(os.tmpdir(), "keel-test-artifacts") },
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // each file runs several processes of its own: one file at a time on 2 cores
          fileParallelism: false,
        },
      },
    ],
  },
});

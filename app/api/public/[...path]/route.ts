import { serveLangfusePublic } from "@/server/http/langfuse-public";

/** Langfuse's public API paths (its SDKs' Basic auth turned into the secret key) for `next dev`; `keel start` serves them from node:http. */
export const dynamic = "force-dynamic";
export const GET = serveLangfusePublic;
export const POST = serveLangfusePublic;

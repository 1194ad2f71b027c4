import path from "node:path";
import { artifactsDir, dataDir, env } from "../../env";
import type { ArtifactStore } from "./artifacts-base";
import { LocalArtifactStore } from "./artifacts-local";
import { S3ArtifactStore, s3ConfigFromEnv } from "./artifacts-s3";

export type { ArtifactSource, ArtifactStore, ByteRange, StagedBlob } from "./artifacts-base";
export { blobKey } from "./artifacts-base";
export { LocalArtifactStore } from "./artifacts-local";
export { S3ArtifactStore, type S3StoreConfig, s3ConfigFromEnv } from "./artifacts-s3";

const g = globalThis as { __keelArtifacts?: ArtifactStore };

/**
 * The process's store: S3 when KEEL_ARTIFACTS_URL is set (it wins over KEEL_ARTIFACTS_DIR), else the
 * folder KEEL_ARTIFACTS_DIR (default <data dir>/artifacts). With S3, uploads are staged under
 * <data dir>/artifacts-staging on local disk.
 */
export function artifactStore(): ArtifactStore {
  g.__keelArtifacts ??= env.KEEL_ARTIFACTS_URL
    ? new S3ArtifactStore(s3ConfigFromEnv(env.KEEL_ARTIFACTS_URL), path.join(dataDir(), "artifacts-staging"))
    : new LocalArtifactStore(artifactsDir());
  return g.__keelArtifacts;
}

/** Replace the process's store (tests run the same suites against both kinds); returns the previous one. */
export function setArtifactStore(store: ArtifactStore | undefined): ArtifactStore | undefined {
  const prev = g.__keelArtifacts;
  g.__keelArtifacts = store;
  return prev;
}

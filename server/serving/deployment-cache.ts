import type { ResolvedDeployment } from "./deployments";

/**
 * Resolved deployments are reused for KEEL_KEY_CACHE_SECONDS (the gateway's hot path stays off the
 * database); writes in this process clear the cache at once, other processes see them within that time.
 * A module of its own so that provider writes (their rows ride in the cache) can clear it without an
 * import cycle between providers.ts and deployments.ts.
 */
export const deploymentCache = new Map<string, { at: number; value: ResolvedDeployment | null }>();
export const clearDeploymentCache = () => deploymentCache.clear();

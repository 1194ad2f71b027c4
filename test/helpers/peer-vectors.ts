import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** The committed copy of shared/metrics/peer-vectors.json (byte-identical): sacrebleu's and rouge-score's own test vectors. */
export const PEER_VECTORS = path.resolve(import.meta.dirname, "../fixtures/metrics/peer-vectors.json");

/** The vectors, typed by the caller; a missing file fails loudly rather than skipping the checks. */
export function loadPeerVectors<T>(): T {
  if (!existsSync(PEER_VECTORS)) throw new Error(`Peer vectors missing at ${PEER_VECTORS}: copy shared/metrics/peer-vectors.json there`);
  return JSON.parse(readFileSync(PEER_VECTORS, "utf8")) as T;
}

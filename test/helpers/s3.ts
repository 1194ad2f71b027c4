import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll } from "vitest";
import { type ArtifactStore, S3ArtifactStore, type S3StoreConfig, setArtifactStore } from "../../server/core/artifacts";

/** s3rver's fixed credentials (it checks signatures against them). */
const KEY = "S3RVER";

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** s3rver's data folder */
  dir: string;
  /** Every request the server received, as "METHOD /path?query", in order. */
  requests: string[];
  config(overrides?: Partial<S3StoreConfig>): S3StoreConfig;
  /** A store on this server, staging under its own temp folder. */
  store(overrides?: Partial<S3StoreConfig>): S3ArtifactStore;
  /** The KEEL_* variables that select this server, for `keel` child processes. */
  env(prefix?: string): Record<string, string>;
  stop(): Promise<void>;
}

/** A real S3-compatible server (npm's s3rver) on a free loopback port with a temp folder and one bucket. */
export async function startS3(bucket = "keel-test"): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const requests: string[] = [];
  server.httpServer.prependListener("request", (req) => requests.push(`${req.method} ${req.url}`));
  const endpoint = `http://127.0.0.1:${port}`;
  const config = (o: Partial<S3StoreConfig> = {}): S3StoreConfig => ({
    bucket,
    prefix: "keel",
    endpoint,
    region: "us-east-1",
    accessKeyId: KEY,
    secretAccessKey: KEY,
    forcePathStyle: true,
    ...o,
  });
  return {
    endpoint,
    bucket,
    dir,
    requests,
    config,
    store: (o) => new S3ArtifactStore(config(o), fs.mkdtempSync(path.join(os.tmpdir(), "keel-s3-staging-"))),
    env: (prefix = "keel") => ({
      KEEL_ARTIFACTS_URL: `s3://${bucket}/${prefix}`,
      KEEL_S3_ENDPOINT: endpoint,
      KEEL_S3_REGION: "us-east-1",
      KEEL_S3_ACCESS_KEY_ID: KEY,
      KEEL_S3_SECRET_ACCESS_KEY: KEY,
      KEEL_S3_FORCE_PATH_STYLE: "1",
    }),
    stop: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type StoreKind = "local" | "s3";
export const STORE_KINDS: StoreKind[] = ["local", "s3"];

/**
 * Inside a `describe`: its tests run against `kind`. "local" is the process's default store (the
 * integration project's KEEL_ARTIFACTS_DIR); "s3" starts an s3rver for the block and makes it the
 * process's store (what `artifactStore()` returns, so HTTP handlers, serving and CLI code use it).
 */
export function useStore(kind: StoreKind): { s3: () => TestS3 } {
  let s3: TestS3 | undefined;
  let previous: ArtifactStore | undefined;
  beforeAll(async () => {
    if (kind !== "s3") return;
    s3 = await startS3();
    previous = setArtifactStore(s3.store());
  });
  afterAll(async () => {
    if (kind !== "s3") return;
    setArtifactStore(previous);
    await s3?.stop();
  });
  return {
    s3: () => {
      if (!s3) throw new Error("no S3 server in a local-store block");
      return s3;
    },
  };
}

export type Fault = number | "reset" | null;

/**
 * An HTTP proxy in front of an S3 endpoint that lets `fault(method, url)` answer a request instead:
 * a status (an S3 XML error body), "reset" (the connection is dropped after the first body bytes
 * arrive: an upload cut off mid-way) or null (passed through, headers untouched so signatures hold).
 */
export async function faultyProxy(
  target: string,
  fault: (method: string, url: string) => Fault,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { default: http } = await import("node:http");
  const server = http.createServer((req, res) => {
    const f = fault(req.method ?? "GET", req.url ?? "/");
    if (f === "reset") {
      req.once("data", () => req.socket.destroy());
      req.once("end", () => req.socket.destroy());
      return;
    }
    if (typeof f === "number") {
      req.resume();
      req.on("end", () => {
        res.writeHead(f, { "content-type": "application/xml" });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>injected by the test</Message></Error>`,
        );
      });
      return;
    }
    const up = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as import("node:net").AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

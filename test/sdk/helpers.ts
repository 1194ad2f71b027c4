import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, inArray } from "drizzle-orm";
import { schema } from "../../db/client";
import type { KeelIngestError } from "../../sdk/index";
import { serveApi } from "../../server/http/node";
import { makeKey, makeProject } from "../factories/workspace";
import type { TestDatabase } from "../helpers/db";

export interface SeenRequest {
  path: string;
  /** Content-Length of the request body */
  bytes: number;
  at: number;
}

/**
 * What sits in front of Keel's real handler: return true when it answered the request itself
 * (a flaky proxy's 503, a 429, a dropped connection), false to pass it through.
 */
export type Interceptor = (req: IncomingMessage, res: ServerResponse, n: number) => boolean;

export interface KeelServer {
  url: string;
  requests: SeenRequest[];
  intercept: Interceptor | null;
  close(): Promise<void>;
}

/** A real node:http server on port 0 serving Keel's API handlers (the process runtime's database). */
export async function startKeel(): Promise<KeelServer> {
  const server: KeelServer = { url: "", requests: [], intercept: null, close: async () => {} };
  const http = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const n = server.requests.length;
    server.requests.push({ path: pathname, bytes: Number(req.headers["content-length"] ?? 0), at: Date.now() });
    if (server.intercept?.(req, res, n)) return;
    const served = serveApi(req, res, pathname);
    if (!served) return void res.writeHead(404).end();
    served.catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  server.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  server.close = () =>
    new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    });
  return server;
}

/** Answer without reaching Keel, after reading the body (so the connection stays usable). */
export function reply(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string> = {}, body = ""): true {
  req.resume();
  req.on("end", () => res.writeHead(status, { "content-type": "application/json", ...headers }).end(body));
  return true;
}

/** A project with an owner's secret key. */
export async function projectWithKey(d: TestDatabase) {
  const { project, owner } = await makeProject(d.db);
  const { key } = await makeKey(d.db, project.id, owner.user.id, "owner");
  return { projectId: project.id, key };
}

/** A fetch that records each request's events (ids in order) before sending it for real. */
export function recordingFetch() {
  const batches: string[][] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const body = JSON.parse(String(init?.body)) as { batch: { id: string }[] };
    batches.push(body.batch.map((e) => e.id));
    return globalThis.fetch(input, init);
  };
  return { fetch, batches };
}

export function collectErrors() {
  const errors: KeelIngestError[] = [];
  return { errors, onError: (e: KeelIngestError) => void errors.push(e) };
}

export const rows = {
  traces: (d: TestDatabase, projectId: string, ids: string[]) =>
    d.db
      .select()
      .from(schema.traces)
      .where(and(eq(schema.traces.projectId, projectId), inArray(schema.traces.id, ids))),
  observations: (d: TestDatabase, projectId: string, traceId: string) =>
    d.db
      .select()
      .from(schema.observations)
      .where(and(eq(schema.observations.projectId, projectId), eq(schema.observations.traceId, traceId))),
  ratings: (d: TestDatabase, projectId: string, traceId: string) =>
    d.db
      .select()
      .from(schema.ratings)
      .where(and(eq(schema.ratings.projectId, projectId), eq(schema.ratings.traceId, traceId))),
};

import type { ResolvedDeployment } from "../serving";
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "./service-contract";
import { GatewayError } from "./service-contract";
import type { GatewayContext, GatewayResult } from "./service-gateway";

interface LogBase {
  kind: string;
  start: Date;
  userId?: string;
  input: unknown;
}

const pending = (d: ResolvedDeployment) =>
  new GatewayError(501, `local deployment ${d.name}: local inference is not wired to the gateway yet`, "server_error", "model");

export async function localChat(_c: GatewayContext, d: ResolvedDeployment, _body: ChatRequest, _log: LogBase): Promise<GatewayResult> {
  throw pending(d);
}
export async function localCompletion(
  _c: GatewayContext,
  d: ResolvedDeployment,
  _body: CompletionRequest & { prompt: string },
  _log: LogBase,
): Promise<GatewayResult> {
  throw pending(d);
}
export async function localEmbeddings(
  _c: GatewayContext,
  d: ResolvedDeployment,
  _body: EmbeddingRequest,
  _inputs: string[],
  _log: LogBase,
): Promise<GatewayResult> {
  throw pending(d);
}

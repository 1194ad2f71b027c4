// The routing domain's public face.
// the gateway (service*.ts)
export { chatCompletions, completions, embeddings, models } from "./service";
export { GatewayError } from "./service-contract";
export type { GatewayContext, GatewayResult } from "./service-gateway";

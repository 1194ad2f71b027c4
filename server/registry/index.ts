/** The registry domain's public face: what serving, routing and tuning consume. */
export { deliverWebhookJob } from "./jobs/deliver-webhook";
export { emitRegistryEvent, REGISTRY_EVENTS, type RegistryEvent } from "./webhooks";

/** `/api/v1/*` is served by the route table's one dispatcher (dispatch.ts); the name stays for its callers. */
export { dispatch as handleV1 } from "./dispatch";

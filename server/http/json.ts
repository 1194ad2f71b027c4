import { describeError } from "../trpc/errors";

export const json = (body: unknown, status = 200, headers?: HeadersInit) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** `{"error": {"code", "message", "field"?}}` with the matching status; 5xx hides details. */
export const jsonError = (err: unknown) => {
  const { status, body } = describeError(err);
  return json({ error: body }, status);
};

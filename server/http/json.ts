import { describeError } from "../trpc/errors";

/**
 * The text of the responses json() made, so node:http can write it in one call (node.ts's
 * sendResponse) instead of piping a one-chunk web stream: most API answers are small JSON.
 */
const texts = new WeakMap<Response, string>();
export const jsonText = (res: Response): string | undefined => texts.get(res);

export const json = (body: unknown, status = 200, headers?: HeadersInit) => {
  const text = JSON.stringify(body);
  const res = new Response(text, { status, headers: { "content-type": "application/json", ...headers } });
  texts.set(res, text);
  return res;
};

/** `{"error": {"code", "message", "field"?}}` with the matching status; 5xx hides details. */
export const jsonError = (err: unknown) => {
  const { status, body } = describeError(err);
  return json({ error: body }, status);
};

/** Reading tRPC client errors: the server's message is safe to show; `data.code` and `data.field` say what and where. */

interface ErrorData {
  code?: string;
  field?: string | null;
}

const dataOf = (err: unknown): ErrorData | undefined => (err as { data?: ErrorData } | null | undefined)?.data ?? undefined;

export const errorCode = (err: unknown): string | undefined => dataOf(err)?.code;
export const errorField = (err: unknown): string | undefined => dataOf(err)?.field ?? undefined;

export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === "string") return err;
  return "Something went wrong";
}

/** The error is about `field` itself or a part of it ("origins" covers "origins.0"). */
const isAbout = (errField: string | undefined, field: string) => !!errField && (errField === field || errField.startsWith(`${field}.`));

/**
 * The message for one form field, or undefined when the error is about another field.
 * Validation messages arrive as "name: is required"; shown under the field as "Name is required".
 */
export function fieldError(err: unknown, field: string): string | undefined {
  const f = errorField(err);
  if (!err || !isAbout(f, field)) return undefined;
  const msg = errorMessage(err);
  const prefix = `${f}: `;
  if (!msg.startsWith(prefix)) return msg;
  return `${field.charAt(0).toUpperCase()}${field.slice(1)} ${msg.slice(prefix.length)}`;
}

/** The error to show above a form: anything not tied to one of its `fields`. */
export function formError(err: unknown, fields: string[]): string | undefined {
  if (!err) return undefined;
  const f = errorField(err);
  return fields.some((field) => isAbout(f, field)) ? undefined : errorMessage(err);
}

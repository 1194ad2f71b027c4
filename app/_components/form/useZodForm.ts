"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { type DefaultValues, type FieldPath, type FieldValues, get, type Resolver, type UseFormReturn, useForm } from "react-hook-form";
import { z } from "zod";
import { errorField, errorMessage } from "@/app/_lib/errors";

// The console's CSP has no 'unsafe-eval': zod's JIT parsers would first probe `new Function`, and each
// probe is a CSP violation report; the plain parsers check the same.
z.config({ jitless: true });

/**
 * A react-hook-form form validated by a zod schema: the server's own input schema (from a
 * `server/<slug>/inputs.ts`), so the browser refuses what the server would, before any request.
 * Fields are checked on blur and, once submitted, on every change. `messages` replaces the schema's
 * wording for a field where the form's control says it better (a JSON box: "a JSON object, e.g. …").
 */
export function useZodForm<S extends z.ZodType<FieldValues, FieldValues>>(
  schema: S,
  defaultValues: DefaultValues<z.input<S>>,
  messages: Record<string, string> = {},
): UseFormReturn<z.input<S>, unknown, z.output<S>> {
  const base = zodResolver(schema as never) as unknown as Resolver<z.input<S>, unknown, z.output<S>>;
  const resolver: Resolver<z.input<S>, unknown, z.output<S>> = async (values, context, options) => {
    const result = await base(values, context, options);
    for (const [path, message] of Object.entries(messages)) {
      const e = get(result.errors, path) as { message?: string } | undefined;
      if (e) e.message = message;
    }
    return result;
  };
  return useForm<z.input<S>, unknown, z.output<S>>({ resolver, defaultValues, mode: "onTouched" });
}

/** The form-wide error (ROOT_ERROR): what a server answer says that no field of the form shows. */
export const ROOT_ERROR = "root.server" as const;

/** `a.b` is about `a` or one of its parts (`origins.0` is about `origins`). */
const isAbout = (errField: string, field: string) => errField === field || errField.startsWith(`${field}.`);

/**
 * Show a failed request's error on the form: under the field its `data.field` names when the form
 * has that field (the most specific of `fields`), else above the form. Validation messages arrive as
 * "name: is required"; under the field the name is dropped ("Is required").
 */
export function applyServerError<T extends FieldValues, Out = T>(
  form: UseFormReturn<T, unknown, Out>,
  err: unknown,
  fields: readonly FieldPath<T>[],
): void {
  const named = errorField(err);
  const message = errorMessage(err);
  const field = named ? [...fields].sort((a, b) => b.length - a.length).find((f) => isAbout(named, f)) : undefined;
  if (!field || !named) {
    form.setError(ROOT_ERROR as FieldPath<T>, { type: "server", message });
    return;
  }
  const bare = message.startsWith(`${named}: `) ? message.slice(named.length + 2) : message;
  form.setError(field, { type: "server", message: `${bare.charAt(0).toUpperCase()}${bare.slice(1)}` }, { shouldFocus: true });
}

/** For optional text inputs: an empty box is "not given" (undefined), not an empty string the schema refuses. */
export const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** For number inputs: the typed number, or undefined when the box is empty (the schema's default, or "required"). */
export const toNumber = (v: unknown) => (v === "" || v === null || v === undefined ? undefined : Number(v));

"use client";

import type { ReactNode } from "react";
import {
  type FieldPath,
  type FieldValues,
  FormProvider,
  get,
  type SubmitHandler,
  type UseFormReturn,
  useFormContext,
  useFormState,
} from "react-hook-form";
import { Alert, Field } from "@/app/_components/ui";
import { ROOT_ERROR } from "./useZodForm";

/**
 * A <form> over a useZodForm form: validates on submit before `onSubmit` runs (nothing is sent
 * while a field is wrong), gives its fields the form through context, and shows the form-wide error
 * (a server answer about no field of the form) above its buttons via <FormError>.
 */
export function ZodForm<In extends FieldValues, Out>({
  form,
  onSubmit,
  label,
  className = "flex flex-col gap-4",
  children,
}: {
  form: UseFormReturn<In, unknown, Out>;
  onSubmit: (values: Out) => Promise<void> | void;
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <FormProvider {...(form as unknown as UseFormReturn<FieldValues>)}>
      <form
        onSubmit={(e) => {
          // a new attempt forgets the last answer's form-wide error (field errors are re-checked by the schema)
          form.clearErrors(ROOT_ERROR as FieldPath<In>);
          void form.handleSubmit(onSubmit as SubmitHandler<Out> as never)(e);
        }}
        noValidate
        aria-label={label}
        className={className}
      >
        {children}
      </form>
    </FormProvider>
  );
}

/** The message of the error on `name` (a dotted path), if any. */
function useFieldError(name: string): string | undefined {
  const { control } = useFormContext();
  const { errors } = useFormState({ control, name: name as never });
  const e = get(errors, name) as { message?: unknown } | undefined;
  // the schemas' own wording starts lower-case ("a name is letters, …"): under a field it starts a sentence
  return typeof e?.message === "string" && e.message ? `${e.message.charAt(0).toUpperCase()}${e.message.slice(1)}` : undefined;
}

/** A labelled field whose error (the schema's or the server's) shows under it; `children` is the registered control. */
export function FormField({
  name,
  label,
  hint,
  className,
  children,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  return (
    <Field label={label} hint={hint} error={useFieldError(name)} className={className}>
      {children}
    </Field>
  );
}

/** The form-wide error: a server answer about none of the form's fields (a lost connection, a refused permission). */
export function FormError({ extra }: { extra?: string | null }) {
  const message = useFieldError(ROOT_ERROR) ?? extra ?? undefined;
  return message ? <Alert>{message}</Alert> : null;
}

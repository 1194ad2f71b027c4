"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useEffect } from "react";
import type { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Logo } from "@/app/_components/Logo";
import { Button, Input, Loading } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";
import { signInInput } from "@/server/workspace/inputs";

/** Only same-site paths: "/x" yes, "//evil.example" or "https://..." no. */
function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

function SignInForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const next = safeNext(useSearchParams().get("next"));
  // Whatever was cached for the previous user (or while signed out) must not outlive this page.
  useEffect(() => queryClient.clear(), [queryClient]);
  const signIn = useMutation(trpc.workspace.auth.signIn.mutationOptions());
  const form = useZodForm(signInInput, { email: "", password: "" });

  async function submit(values: z.output<typeof signInInput>) {
    if (signIn.isPending || signIn.isSuccess) return;
    try {
      await signIn.mutateAsync(values);
    } catch (err) {
      // "Invalid email or password" names no field on purpose (it does not say which): above the form
      applyServerError(form, err, ["email", "password"]);
      return;
    }
    // Answers cached while signed out (UNAUTHORIZED) must not outlive the sign-in.
    queryClient.clear();
    router.push(next);
  }

  return (
    <ZodForm form={form} onSubmit={submit} label="Sign in">
      <FormError />
      <FormField name="email" label="Email">
        <Input type="email" autoComplete="username" autoFocus {...form.register("email")} placeholder="you@company.com" />
      </FormField>
      <FormField name="password" label="Password">
        <Input type="password" autoComplete="current-password" {...form.register("password")} />
      </FormField>
      <Button type="submit" variant="primary" loading={signIn.isPending || signIn.isSuccess} className="mt-1 w-full">
        Sign in
      </Button>
    </ZodForm>
  );
}

export default function SignInPage() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="mb-8">
        <Logo />
      </div>
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-lg font-semibold tracking-tight text-slate-900">Sign in to Keel</h1>
        <p className="mt-1 mb-6 text-sm text-slate-500">
          Use the account your Keel administrator created for you, or the invitation link you were sent.
        </p>
        <Suspense fallback={<Loading />}>
          <SignInForm />
        </Suspense>
      </div>
    </main>
  );
}

"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense, useEffect, useState } from "react";
import { Logo } from "@/app/_components/Logo";
import { Button, ErrorBox, Field, Input, Loading } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

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
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useMutation(
    trpc.workspace.auth.signIn.mutationOptions({
      onSuccess: () => {
        // Answers cached while signed out (UNAUTHORIZED) must not outlive the sign-in.
        queryClient.clear();
        router.push(next);
      },
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (signIn.isPending) return;
    signIn.mutate({ email: email.trim(), password });
  };

  return (
    <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
      {signIn.error && <ErrorBox title="Sign-in failed" message={errorMessage(signIn.error)} />}
      <Field label="Email">
        <Input
          type="email"
          name="email"
          autoComplete="username"
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          placeholder="you@company.com"
        />
      </Field>
      <Field label="Password">
        <Input
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      <Button type="submit" variant="primary" loading={signIn.isPending || signIn.isSuccess} className="mt-1 w-full">
        Sign in
      </Button>
    </form>
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

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { z } from "zod";
import { buttonClass } from "@/app/_components/classes";
import { applyServerError, emptyToUndefined, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Logo } from "@/app/_components/Logo";
import { Button, ErrorBox, Input, Loading } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { formatDateTime } from "@/app/_lib/format";
import { roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { signUpInput } from "@/server/workspace/inputs";

type Info = RouterOutputs["workspace"]["invitations"]["lookup"];

const STATUS_TEXT: Record<Exclude<Info["status"], "pending">, string> = {
  accepted: "This invitation was already used. Sign in to open the project.",
  revoked: "This invitation was revoked. Ask the person who invited you for a new one.",
  expired: "This invitation has expired. Ask the person who invited you for a new one.",
};

/** The page an invitation link opens: accept as the invited account, or create that account here. */
export default function InvitePage() {
  const trpc = useTRPC();
  const { token } = useParams<{ token: string }>();
  const info = useQuery({ ...trpc.workspace.invitations.lookup.queryOptions({ token }), retry: false });
  const me = useQuery({ ...trpc.workspace.auth.me.queryOptions(), retry: false });

  let body: ReactNode;
  if (info.isPending || me.isPending) body = <Loading />;
  else if (info.isError) body = <ErrorBox title="This link does not work" message={errorMessage(info.error)} />;
  else if (info.data.status !== "pending") body = <p className="text-sm text-slate-600">{STATUS_TEXT[info.data.status]}</p>;
  else if (me.data?.user) body = <AcceptAsUser token={token} info={info.data} email={me.data.user.email} />;
  else if (errorCode(me.error) === "UNAUTHORIZED") body = <SignUp token={token} info={info.data} />;
  else body = <ErrorBox message={errorMessage(me.error)} onRetry={() => void me.refetch()} />;

  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="mb-8">
        <Logo />
      </div>
      <div className="w-full max-w-md rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <h1 className="text-lg font-semibold tracking-tight text-slate-900">
          {info.data ? `Join ${info.data.projectName}` : "Invitation to Keel"}
        </h1>
        {info.data?.status === "pending" && (
          <p className="mt-1 mb-6 text-sm text-slate-500">
            <strong className="text-slate-700">{info.data.email}</strong> is invited as {roleLabel(info.data.role)}, until{" "}
            {formatDateTime(info.data.expiresAt)}.
          </p>
        )}
        {body}
      </div>
    </main>
  );
}

function AcceptAsUser({ token, info, email }: { token: string; info: Info; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const accept = useMutation(
    trpc.workspace.invitations.accept.mutationOptions({
      onSuccess: async (res) => {
        await queryClient.invalidateQueries({ queryKey: trpc.workspace.projects.list.queryKey() });
        router.push(`/${res.slug}`);
      },
    }),
  );
  const signOut = useMutation(trpc.workspace.auth.signOut.mutationOptions({ onSuccess: () => queryClient.clear() }));
  if (email.toLowerCase() !== info.email)
    return (
      <div className="flex flex-col gap-4 text-sm text-slate-600">
        <p>
          You are signed in as <strong>{email}</strong>. This invitation is for <strong>{info.email}</strong>: sign out, then sign in with
          that address (or create it here).
        </p>
        <Button onClick={() => signOut.mutate()} loading={signOut.isPending}>
          Sign out
        </Button>
      </div>
    );
  return (
    <div className="flex flex-col gap-4">
      {accept.error && <ErrorBox title="Could not accept" message={errorMessage(accept.error)} />}
      <Button variant="primary" onClick={() => accept.mutate({ token })} loading={accept.isPending || accept.isSuccess}>
        Accept and open {info.projectName}
      </Button>
    </div>
  );
}

/** The server's signUpInput (the token comes from the link), with the password typed twice. */
const signUpForm = signUpInput
  .omit({ token: true })
  .extend({ confirm: z.string() })
  .refine((v) => v.confirm === v.password, { path: ["confirm"], message: "the two passwords differ" });

function SignUp({ token, info }: { token: string; info: Info }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const signUp = useMutation(trpc.workspace.invitations.signUp.mutationOptions());
  const form = useZodForm(signUpForm, { password: "", confirm: "" });
  async function submit({ name, password }: z.output<typeof signUpForm>) {
    try {
      const res = await signUp.mutateAsync({ token, password, name });
      queryClient.clear();
      router.push(`/${res.slug}`);
    } catch (err) {
      // the server's "an account for … exists" names email, which no field here holds: above the form
      applyServerError(form, err, ["password", "name"]);
    }
  }
  const next = encodeURIComponent(`/invite/${token}`);
  return (
    <div className="flex flex-col gap-6">
      <div className="rounded-md border border-slate-200 bg-slate-50 p-4 text-sm text-slate-600">
        Have a Keel account for {info.email}?{" "}
        <Link href={`/sign-in?next=${next}`} className="font-medium text-indigo-700 underline">
          Sign in to accept
        </Link>
        .
      </div>
      <ZodForm form={form} onSubmit={submit} label="Create your account">
        <h2 className="text-sm font-medium text-slate-900">New to Keel? Create the account for {info.email}</h2>
        <FormError />
        <FormField name="name" label="Name (optional)">
          <Input autoComplete="name" {...form.register("name", { setValueAs: emptyToUndefined })} />
        </FormField>
        <FormField name="password" label="Password" hint="At least 8 characters.">
          <Input type="password" autoComplete="new-password" {...form.register("password")} />
        </FormField>
        <FormField name="confirm" label="Repeat the password">
          <Input type="password" autoComplete="new-password" {...form.register("confirm")} />
        </FormField>
        <Button type="submit" variant="primary" loading={signUp.isPending || signUp.isSuccess}>
          Create account and join
        </Button>
      </ZodForm>
      <Link href="/" className={buttonClass("ghost")}>
        Cancel
      </Link>
    </div>
  );
}

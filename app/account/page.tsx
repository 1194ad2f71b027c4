"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { z } from "zod";
import { applyServerError, FormError, FormField, useZodForm, ZodForm } from "@/app/_components/form";
import { Logo } from "@/app/_components/Logo";
import { Button, Card, ErrorBox, Input, Loading } from "@/app/_components/ui";
import { errorCode, errorMessage } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";
import { changePasswordInput } from "@/server/workspace/inputs";

/** The signed-in user's own account: change the password, sign out on every device. */
export default function AccountPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.workspace.auth.me.queryOptions());
  useEffect(() => {
    if (errorCode(me.error) === "UNAUTHORIZED") router.replace("/sign-in?next=/account");
  }, [me.error, router]);

  return (
    <main className="flex min-h-screen flex-col items-center px-4 py-12">
      <div className="mb-8">
        <Link href="/" className="rounded-md">
          <Logo />
        </Link>
      </div>
      <div className="flex w-full max-w-lg flex-col gap-6">
        <h1 className="text-lg font-semibold tracking-tight text-slate-900">Your account</h1>
        {me.isPending ? (
          <Loading />
        ) : me.data?.user ? (
          <>
            <p className="text-sm text-slate-600">
              Signed in as <strong>{me.data.user.email}</strong>
              {me.data.isAdmin && (
                <>
                  {" "}
                  · instance admin ·{" "}
                  <Link href="/admin" className="text-indigo-700 underline">
                    Instance settings
                  </Link>
                </>
              )}
            </p>
            <ChangePassword />
            <SignOutEverywhere />
          </>
        ) : me.isError && errorCode(me.error) !== "UNAUTHORIZED" ? (
          <ErrorBox message={errorMessage(me.error)} onRetry={() => void me.refetch()} />
        ) : null}
      </div>
    </main>
  );
}

/** The server's changePasswordInput, with the new password typed twice. */
const changeForm = changePasswordInput
  .extend({ confirm: z.string() })
  .refine((v) => v.confirm === v.newPassword, { path: ["confirm"], message: "the two passwords differ" });

function ChangePassword() {
  const trpc = useTRPC();
  const change = useMutation(trpc.workspace.auth.changePassword.mutationOptions());
  const form = useZodForm(changeForm, { currentPassword: "", newPassword: "", confirm: "" });
  async function submit({ currentPassword, newPassword }: z.output<typeof changeForm>) {
    try {
      await change.mutateAsync({ currentPassword, newPassword });
      form.reset();
    } catch (err) {
      applyServerError(form, err, ["currentPassword", "newPassword"]);
    }
  }
  return (
    <Card title="Change password" description="Your other sessions end; this one stays signed in.">
      <ZodForm form={form} onSubmit={submit} label="Change password">
        <FormError />
        {change.isSuccess && (
          <p role="status" className="text-sm text-emerald-700">
            Password changed; {change.data.sessionsEnded} other session(s) ended.
          </p>
        )}
        <FormField name="currentPassword" label="Current password">
          <Input type="password" autoComplete="current-password" {...form.register("currentPassword")} />
        </FormField>
        <FormField name="newPassword" label="New password" hint="At least 8 characters.">
          <Input type="password" autoComplete="new-password" {...form.register("newPassword")} />
        </FormField>
        <FormField name="confirm" label="Repeat the new password">
          <Input type="password" autoComplete="new-password" {...form.register("confirm")} />
        </FormField>
        <div className="flex justify-end">
          <Button type="submit" variant="primary" loading={change.isPending}>
            Change password
          </Button>
        </div>
      </ZodForm>
    </Card>
  );
}

function SignOutEverywhere() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const everywhere = useMutation(
    trpc.workspace.auth.signOutEverywhere.mutationOptions({
      onSuccess: () => {
        queryClient.clear();
        router.push("/sign-in");
      },
    }),
  );
  return (
    <Card title="Sign out everywhere" description="Ends every session of your account, on every device, this one included.">
      {everywhere.error && <ErrorBox message={errorMessage(everywhere.error)} />}
      <Button
        variant="danger"
        loading={everywhere.isPending}
        onClick={() => {
          if (window.confirm("Sign out on every device?")) everywhere.mutate();
        }}
      >
        Sign out everywhere
      </Button>
    </Card>
  );
}

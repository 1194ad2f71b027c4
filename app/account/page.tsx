"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useState } from "react";
import { Logo } from "@/app/_components/Logo";
import { Button, Card, ErrorBox, Field, Input, Loading } from "@/app/_components/ui";
import { errorCode, errorMessage, fieldError, formError } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

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

function ChangePassword() {
  const trpc = useTRPC();
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation(
    trpc.workspace.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrent("");
        setNew("");
        setConfirm("");
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setMismatch(newPassword !== confirm);
    if (newPassword !== confirm) return;
    change.mutate({ currentPassword, newPassword });
  };
  const general = formError(change.error, ["currentPassword", "newPassword"]);
  return (
    <Card title="Change password" description="Your other sessions end; this one stays signed in.">
      <form onSubmit={submit} noValidate className="flex flex-col gap-4">
        {general && <ErrorBox title="Could not change the password" message={general} />}
        {change.isSuccess && (
          <p role="status" className="text-sm text-emerald-700">
            Password changed; {change.data.sessionsEnded} other session(s) ended.
          </p>
        )}
        <Field label="Current password" error={fieldError(change.error, "currentPassword")}>
          <Input type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <Field label="New password" hint="At least 8 characters." error={fieldError(change.error, "newPassword")}>
          <Input type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.target.value)} />
        </Field>
        <Field label="Repeat the new password" error={mismatch ? "The two passwords differ" : undefined}>
          <Input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </Field>
        <div className="flex justify-end">
          <Button type="submit" variant="primary" loading={change.isPending}>
            Change password
          </Button>
        </div>
      </form>
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

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Button, Card, ErrorBox, Field, Input, Skeleton } from "@/app/_components/ui";
import { errorMessage, fieldError, formError } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";

type Settings = RouterOutputs["logs"]["settings"]["get"];
type Builtin = Settings["redaction"]["builtins"][number];
type Rule = { key: number; name: string; pattern: string; flags: string };

const BUILTINS: { id: Builtin; label: string; example: string }[] = [
  { id: "email", label: "Email addresses", example: "jane@example.com" },
  { id: "phone", label: "Phone numbers", example: "+1 415 555 0100" },
  { id: "credit_card", label: "Card numbers", example: "4111 1111 1111 1111 (Luhn-checked)" },
  { id: "api_key", label: "API keys and tokens", example: "sk-…, ghp_…, AKIA…" },
  { id: "ip_address", label: "IP addresses", example: "203.0.113.7, 2001:db8::1" },
];

/** Redaction at ingest and retention: admins only (the server checks too). */
export function DataPolicy() {
  const trpc = useTRPC();
  const project = useProject();
  const settings = useQuery(trpc.logs.settings.get.queryOptions({ projectId: project.slug }));
  return (
    <Card
      title="Redaction and retention"
      description="Redaction runs at ingest, before anything is stored: matches become [REDACTED:rule]. Changes apply to new logs only."
    >
      {settings.isPending ? (
        <Skeleton rows={4} />
      ) : settings.isError ? (
        <ErrorBox title="Could not load log settings" message={errorMessage(settings.error)} onRetry={() => void settings.refetch()} />
      ) : (
        <PolicyForm initial={settings.data} />
      )}
    </Card>
  );
}

let nextKey = 1;

function PolicyForm({ initial }: { initial: Settings }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const project = useProject();
  const [builtins, setBuiltins] = useState<Builtin[]>(initial.redaction.builtins);
  const [rules, setRules] = useState<Rule[]>(() => initial.redaction.custom.map((r) => ({ ...r, flags: r.flags ?? "", key: nextKey++ })));
  const [forever, setForever] = useState(initial.retentionDays === null);
  const [days, setDays] = useState(String(initial.retentionDays ?? 90));
  const [local, setLocal] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const update = useMutation(
    trpc.logs.settings.update.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        return queryClient.invalidateQueries({ queryKey: trpc.logs.settings.get.pathKey() });
      },
    }),
  );
  const touch = () => setSaved(false);
  const setRule = (key: number, patch: Partial<Rule>) => {
    touch();
    setRules((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setLocal(null);
    const n = Number(days);
    if (!forever && (!Number.isInteger(n) || n < 1 || n > 3650)) return setLocal("Retention must be a whole number of days from 1 to 3650");
    update.mutate({
      projectId: project.slug,
      retentionDays: forever ? null : n,
      redaction: {
        builtins,
        custom: rules.map((r) => ({ name: r.name.trim(), pattern: r.pattern, flags: r.flags.trim() || undefined })),
      },
    });
  };
  const general = formError(update.error, ["redaction", "retentionDays"]);
  const redactionError = fieldError(update.error, "redaction");

  return (
    <form onSubmit={submit} noValidate aria-label="Redaction and retention" className="flex flex-col gap-6">
      {general && <ErrorBox title="Could not save the settings" message={general} />}
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Built-in redaction</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {BUILTINS.map((b) => (
            <label key={b.id} className="flex items-start gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                className="mt-0.5 size-4 rounded border-slate-300 accent-indigo-600"
                checked={builtins.includes(b.id)}
                onChange={(e) => {
                  touch();
                  setBuiltins((bs) => (e.target.checked ? [...bs, b.id] : bs.filter((x) => x !== b.id)));
                }}
              />
              <span>
                {b.label} <span className="block text-xs text-slate-500">{b.example}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="flex flex-col gap-2">
        <legend className="text-sm font-medium text-slate-900">Custom rules</legend>
        <p className="text-xs text-slate-500">
          Name: lower-case letters, digits, - and _. Pattern: a JavaScript regular expression. Flags: any of i, m, s, u.
        </p>
        {redactionError && <p className="text-xs text-red-600">{redactionError}</p>}
        {rules.map((r, i) => (
          <div key={r.key} className="flex flex-wrap items-end gap-2">
            <Field
              label={
                <>
                  <span className="sr-only">Rule {i + 1} </span>Name
                </>
              }
              className="w-40"
            >
              <Input value={r.name} onChange={(e) => setRule(r.key, { name: e.target.value })} placeholder="order-id" spellCheck={false} />
            </Field>
            <Field
              label={
                <>
                  <span className="sr-only">Rule {i + 1} </span>Pattern
                </>
              }
              className="min-w-56 flex-1"
            >
              <Input
                value={r.pattern}
                onChange={(e) => setRule(r.key, { pattern: e.target.value })}
                placeholder="ORD-\d{8}"
                className="font-mono"
                spellCheck={false}
              />
            </Field>
            <Field
              label={
                <>
                  <span className="sr-only">Rule {i + 1} </span>Flags
                </>
              }
              className="w-20"
            >
              <Input value={r.flags} onChange={(e) => setRule(r.key, { flags: e.target.value })} placeholder="i" spellCheck={false} />
            </Field>
            <Button
              variant="ghost"
              aria-label={`Remove rule ${i + 1}`}
              onClick={() => {
                touch();
                setRules((rs) => rs.filter((x) => x.key !== r.key));
              }}
            >
              Remove
            </Button>
          </div>
        ))}
        <div>
          <Button
            size="sm"
            onClick={() => {
              touch();
              setRules((rs) => [...rs, { key: nextKey++, name: "", pattern: "", flags: "" }]);
            }}
          >
            Add rule
          </Button>
        </div>
      </fieldset>
      <fieldset className="flex flex-col gap-2">
        <legend className="text-sm font-medium text-slate-900">Retention</legend>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="radio"
            name="retention"
            checked={forever}
            onChange={() => {
              touch();
              setForever(true);
            }}
            className="accent-indigo-600"
          />
          Keep forever
        </label>
        <div className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="retention"
              checked={!forever}
              onChange={() => {
                touch();
                setForever(false);
              }}
              className="accent-indigo-600"
            />
            Delete traces older than
          </label>
          <div className="w-24">
            <Input
              aria-label="Retention days"
              inputMode="numeric"
              value={days}
              onChange={(e) => {
                touch();
                setDays(e.target.value);
                setForever(false);
              }}
            />
          </div>
          days
        </div>
        {(local || fieldError(update.error, "retentionDays")) && (
          <p className="text-xs text-red-600">{local ?? fieldError(update.error, "retentionDays")}</p>
        )}
      </fieldset>
      <div className="flex items-center gap-3">
        <Button type="submit" variant="primary" loading={update.isPending}>
          Save settings
        </Button>
        <p role="status" className="text-sm text-emerald-700">
          {saved ? "Saved." : ""}
        </p>
      </div>
    </form>
  );
}

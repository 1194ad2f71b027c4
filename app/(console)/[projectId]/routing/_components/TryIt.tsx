"use client";

import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Alert, Button, Field, Input, Textarea } from "@/app/_components/ui";
import { useTRPC } from "@/app/_lib/trpc";

interface Answer {
  text: string;
  target: string | null;
  reason: string | null;
  cache: string | null;
}

/**
 * One chat request through the gateway, as an app would send it. The gateway takes a secret key
 * (the session cookie is not enough), so the key is typed here and kept only in this form's state.
 */
export function TryIt({ name }: { name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [key, setKey] = useState("");
  const [prompt, setPrompt] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setAnswer(null);
    if (!key.trim()) return setError("Enter a secret API key (sk_…) of this project.");
    if (!prompt.trim()) return setError("Enter a prompt.");
    setPending(true);
    try {
      const res = await fetch("/api/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${key.trim()}`, "content-type": "application/json" },
        body: JSON.stringify({ model: `router:${name}`, messages: [{ role: "user", content: prompt }] }),
      });
      const body = (await res.json().catch(() => null)) as {
        choices?: { message?: { content?: string } }[];
        error?: { message?: string };
      } | null;
      if (!res.ok) return setError(body?.error?.message ?? `The gateway answered ${res.status}.`);
      const reason = res.headers.get("x-keel-route-reason");
      setAnswer({
        text: body?.choices?.[0]?.message?.content ?? "",
        target: res.headers.get("x-keel-route-target"),
        reason: reason ? decodeURIComponent(reason) : null,
        cache: res.headers.get("x-keel-cache"),
      });
      await queryClient.invalidateQueries({ queryKey: trpc.routing.stats.pathKey() });
    } catch (err) {
      setError(err instanceof Error ? err.message : "The request failed.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Try it" className="flex flex-col gap-4">
      <div className="grid gap-4 sm:grid-cols-[16rem_1fr]">
        <Field label="Secret API key" hint="Sent with this request only; not stored.">
          <Input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} placeholder="sk_…" />
        </Field>
        <Field label="Prompt">
          <Textarea rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
        </Field>
      </div>
      {error && <Alert>{error}</Alert>}
      {answer && (
        <output
          aria-label="Gateway answer"
          className="flex flex-col gap-1 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm"
        >
          <span className="text-slate-700">
            Routed to <strong>{answer.target ?? "?"}</strong>
            {answer.reason && <span className="text-slate-500"> ({answer.reason})</span>}
            {answer.cache && answer.cache !== "miss" && <span className="text-slate-500"> · cache {answer.cache}</span>}
          </span>
          <span className="whitespace-pre-wrap text-slate-900">{answer.text || <em className="text-slate-400">empty answer</em>}</span>
        </output>
      )}
      <div>
        <Button type="submit" loading={pending}>
          Send
        </Button>
      </div>
    </form>
  );
}

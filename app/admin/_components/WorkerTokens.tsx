"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import {
  Alert,
  Badge,
  Button,
  Card,
  Done,
  ErrorBox,
  Field,
  Input,
  LoadMore,
  Select,
  Skeleton,
  Table,
  Td,
  Th,
  When,
} from "@/app/_components/ui";
import { errorMessage, fieldError, formError } from "@/app/_lib/errors";
import { useTRPC } from "@/app/_lib/trpc";

const dash = <span className="text-slate-400">—</span>;

/**
 * Remote workers (`keel worker --server URL --token wk_...`): pools say which projects' jobs a token's
 * workers are offered; tokens are instance credentials, shown once, revocable at once.
 */
export function WorkerTokens() {
  return (
    <Card
      title="Remote workers"
      description="Workers on other machines reach this server over HTTP with a wk_ token; a token's pool limits the projects whose jobs they are offered."
    >
      <div className="flex flex-col gap-8">
        <Pools />
        <Tokens />
      </div>
    </Card>
  );
}

function Pools() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pools = useQuery(trpc.tuning.pools.list.queryOptions());
  // the admin's own projects to tick; others by slug (an admin need not be a member of every project)
  const projects = useQuery(trpc.workspace.projects.list.queryOptions({ limit: 200 }));
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const [others, setOthers] = useState("");
  const create = useMutation(
    trpc.tuning.pools.create.mutationOptions({
      onSuccess: async () => {
        setName("");
        setPicked([]);
        setOthers("");
        await queryClient.invalidateQueries({ queryKey: trpc.tuning.pools.list.queryKey() });
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const extra = others
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    create.mutate({ name: name.trim(), projects: [...new Set([...picked, ...extra])] });
  };
  const toggle = (slug: string, on: boolean) => setPicked((p) => (on ? [...p, slug] : p.filter((s) => s !== slug)));
  const error = formError(create.error, ["name", "projects"]);

  return (
    <section aria-labelledby="pools-heading" className="flex flex-col gap-3">
      <h3 id="pools-heading" className="text-sm font-semibold text-slate-900">
        Worker pools
      </h3>
      {pools.isPending ? (
        <Skeleton rows={2} />
      ) : pools.isError ? (
        <ErrorBox title="Could not load worker pools" message={errorMessage(pools.error)} onRetry={() => void pools.refetch()} />
      ) : pools.data.length === 0 ? (
        <p className="text-sm text-slate-600">No pool yet: a token without one is offered every project's jobs.</p>
      ) : (
        <Table label="Worker pools">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Projects</Th>
              <Th>Created</Th>
            </tr>
          </thead>
          <tbody>
            {pools.data.map((p) => (
              <tr key={p.id}>
                <Td className="font-mono text-xs">{p.name}</Td>
                <Td>
                  {p.projects === null ? (
                    <span className="text-slate-500">every project</span>
                  ) : (
                    <span className="flex flex-wrap gap-1">
                      {p.projects.length === 0 ? dash : p.projects.map((s) => <Badge key={s}>{s}</Badge>)}
                    </span>
                  )}
                </Td>
                <Td>
                  <When at={p.createdAt} />
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      <form
        aria-label="New worker pool"
        onSubmit={submit}
        noValidate
        className="flex flex-col gap-3 rounded-md border border-slate-200 p-3"
      >
        {error && <Alert>{error}</Alert>}
        {create.isSuccess && !create.isPending && <Done>Created pool {create.data.name}.</Done>}
        <Field label="Pool name" hint="Letters, digits, '.', '_' or '-'." error={fieldError(create.error, "name")} className="max-w-xs">
          <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </Field>
        <fieldset className="flex flex-col gap-1.5">
          <legend className="text-sm font-medium text-slate-700">Projects</legend>
          {projects.isError ? (
            <p className="text-xs text-red-600">Could not load your projects: {errorMessage(projects.error)}</p>
          ) : (
            <div className="flex flex-wrap gap-x-4 gap-y-1">
              {(projects.data?.items ?? []).map((p) => (
                <label key={p.id} className="flex items-center gap-2 text-sm text-slate-700">
                  <input
                    type="checkbox"
                    className="size-4"
                    checked={picked.includes(p.slug)}
                    onChange={(e) => toggle(p.slug, e.target.checked)}
                  />
                  {p.name} <span className="font-mono text-xs text-slate-400">{p.slug}</span>
                </label>
              ))}
            </div>
          )}
        </fieldset>
        <Field
          label="Other projects (slugs)"
          hint="Projects you are not a member of, separated by commas. None ticked or named: every project."
          error={fieldError(create.error, "projects")}
          className="max-w-md"
        >
          <Input value={others} onChange={(e) => setOthers(e.target.value)} autoComplete="off" spellCheck={false} />
        </Field>
        <div>
          <Button type="submit" variant="primary" loading={create.isPending}>
            Create pool
          </Button>
        </div>
      </form>
    </section>
  );
}

function Tokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pools = useQuery(trpc.tuning.pools.list.queryOptions());
  const tokens = useInfiniteQuery(
    trpc.tuning.tokens.list.infiniteQueryOptions({ includeRevoked: true, limit: 50 }, { getNextPageParam: (p) => p.nextCursor }),
  );
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tuning.tokens.list.infiniteQueryKey() });
  const [name, setName] = useState("");
  const [pool, setPool] = useState("");
  const [created, setCreated] = useState<{ token: string; name: string; origin: string } | null>(null);
  const create = useMutation(
    trpc.tuning.tokens.create.mutationOptions({
      onSuccess: async (res) => {
        setCreated({ token: res.token, name: res.view.name, origin: window.location.origin });
        setName("");
        await refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tuning.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    revoke.reset();
    create.mutate({ name: name.trim() || undefined, pool: pool || null });
  };
  const onRevoke = (t: { id: string; name: string; prefix: string }) => {
    if (!window.confirm(`Revoke the worker token ${t.name} (${t.prefix}…)? Its workers' next request is refused.`)) return;
    create.reset();
    revoke.mutate({ id: t.id });
  };
  const items = tokens.data?.pages.flatMap((p) => p.items) ?? [];
  const error = formError(create.error, ["name", "pool"]);

  return (
    <section aria-labelledby="tokens-heading" className="flex flex-col gap-3">
      <h3 id="tokens-heading" className="text-sm font-semibold text-slate-900">
        Worker tokens
      </h3>
      {created && <NewToken {...created} onDone={() => setCreated(null)} />}
      {revoke.error && <ErrorBox title="Could not revoke the token" message={errorMessage(revoke.error)} />}
      {revoke.isSuccess && !revoke.isPending && <Done>Revoked {revoke.data.name}.</Done>}
      {tokens.isPending ? (
        <Skeleton rows={2} />
      ) : tokens.isError ? (
        <ErrorBox title="Could not load worker tokens" message={errorMessage(tokens.error)} onRetry={() => void tokens.refetch()} />
      ) : items.length === 0 ? (
        <p className="text-sm text-slate-600">No worker token yet.</p>
      ) : (
        <>
          <Table label="Worker tokens">
            <thead>
              <tr>
                <Th>Prefix</Th>
                <Th>Name</Th>
                <Th>Pool</Th>
                <Th>Created</Th>
                <Th>Last used</Th>
                <Th>Status</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id}>
                  <Td className="font-mono text-xs">{t.prefix}…</Td>
                  <Td>{t.name}</Td>
                  <Td>
                    {t.pool ? <span className="font-mono text-xs">{t.pool}</span> : <span className="text-slate-500">every project</span>}
                  </Td>
                  <Td>
                    <When at={t.createdAt} />
                  </Td>
                  <Td>
                    <When at={t.lastUsedAt} />
                  </Td>
                  <Td>
                    {t.revokedAt ? (
                      <span className="flex items-center gap-1">
                        <Badge tone="red">revoked</Badge> <When at={t.revokedAt} />
                      </span>
                    ) : (
                      <Badge tone="green">active</Badge>
                    )}
                  </Td>
                  <Td className="text-right">
                    {!t.revokedAt && (
                      <Button
                        size="sm"
                        variant="danger"
                        loading={revoke.isPending && revoke.variables?.id === t.id}
                        onClick={() => onRevoke(t)}
                        aria-label={`Revoke ${t.name}`}
                      >
                        Revoke
                      </Button>
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <LoadMore query={tokens} size="sm" />
        </>
      )}
      <form
        aria-label="New worker token"
        onSubmit={submit}
        noValidate
        className="flex flex-col gap-3 rounded-md border border-slate-200 p-3"
      >
        {error && <Alert>{error}</Alert>}
        <div className="flex flex-wrap gap-3">
          <Field label="Token name" hint="Optional: the machine it is for." error={fieldError(create.error, "name")} className="w-64">
            <Input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
          </Field>
          <Field label="Pool" error={fieldError(create.error, "pool")} className="w-64">
            <Select value={pool} onChange={(e) => setPool(e.target.value)}>
              <option value="">None (every project)</option>
              {(pools.data ?? []).map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <div>
          <Button type="submit" variant="primary" loading={create.isPending}>
            Create token
          </Button>
        </div>
      </form>
    </section>
  );
}

/** The token right after creation: only its hash is kept, so this is the one chance to copy it. */
function NewToken({ token, name, origin, onDone }: { token: string; name: string; origin: string; onDone: () => void }) {
  const codeRef = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<"yes" | "select" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopied("yes");
    } catch {
      // no clipboard (plain http, or denied): select the text so Ctrl+C works
      const el = codeRef.current;
      const sel = window.getSelection();
      if (el && sel) {
        const range = document.createRange();
        range.selectNodeContents(el);
        sel.removeAllRanges();
        sel.addRange(range);
      }
      setCopied("select");
    }
  };
  return (
    <div data-testid="new-worker-token" role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-medium text-amber-900">
        Worker token “{name}” created. It is shown once: copy it now and store it somewhere safe.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code
          ref={codeRef}
          data-testid="worker-token"
          className="min-w-0 flex-1 rounded border border-amber-200 bg-white px-3 py-2 font-mono text-xs break-all text-slate-900"
        >
          {token}
        </code>
        <Button size="sm" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDone}>
          Done
        </Button>
      </div>
      {copied === "select" && (
        <p className="mt-2 text-xs text-amber-800">The clipboard is not available here; the token is selected, press Ctrl+C.</p>
      )}
      <p className="mt-3 text-xs text-slate-700">
        On the worker machine:{" "}
        <code data-testid="worker-command" className="font-mono break-all">
          npx keel worker --server {origin} --token {token}
        </code>
      </p>
    </div>
  );
}

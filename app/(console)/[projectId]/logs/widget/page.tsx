"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useSyncExternalStore } from "react";
import { EmptyState } from "@/app/_components/EmptyState";
import { Button, Card, ErrorBox, Field, Loading, PageHeader, Select, Skeleton } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatRelative } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast } from "@/app/_lib/roles";
import { useTRPC } from "@/app/_lib/trpc";
import { KeelRating } from "@/sdk/react";
import { type DemoKey, useDemoKey } from "./_components/demo-key";
import { LiveWidget } from "./_components/LiveWidget";
import { TraceRatings } from "./_components/TraceRatings";

const noSubscribe = () => () => {};
/** This console's origin: where widget.js and the ratings endpoint live. Empty while rendering on the server. */
const useOrigin = () =>
  useSyncExternalStore(
    noSubscribe,
    () => window.location.origin,
    () => "",
  );

export default function WidgetPage() {
  return (
    <>
      <PageHeader
        title="Rating widget"
        description="Let your app's users rate a response with a thumbs up or down. Ratings land on the trace with the source “widget”."
      />
      <Suspense fallback={<Loading />}>
        <WidgetDemo />
      </Suspense>
    </>
  );
}

function WidgetDemo() {
  const project = useProject();
  const origin = useOrigin();
  const { demoKey, loaded, save } = useDemoKey(project.slug, origin);
  const traceParam = useSearchParams().get("trace");
  return (
    <div className="flex flex-col gap-6">
      <Snippet origin={origin} publicKey={demoKey?.key} traceId={traceParam} />
      <Card title="Try it" description="The real widget.js, embedded on this page with a public key bound to this page's origin.">
        {loaded ? <LiveDemo origin={origin} demoKey={demoKey} onKey={save} traceParam={traceParam} /> : <Skeleton rows={2} />}
      </Card>
    </div>
  );
}

function Snippet({ origin, publicKey, traceId }: { origin: string; publicKey?: string; traceId: string | null }) {
  const project = useProject();
  const base = origin || "https://keel.example.com";
  const code = `<script src="${base}/widget.js"
  data-key="${publicKey ?? "pk_your_public_key"}"
  data-trace-id="${traceId ?? "TRACE_ID"}"
  async></script>`;
  return (
    <Card
      title="Embed it"
      description="Paste this where the rating should appear, with the id of the trace your app logged for the response."
    >
      <pre className="overflow-x-auto rounded-md bg-slate-900 px-4 py-3 font-mono text-xs leading-relaxed text-slate-100">{code}</pre>
      <div className="mt-3 space-y-2 text-sm text-slate-600">
        <p>
          Optional attributes: <code className="font-mono text-xs">data-observation-id</code>,{" "}
          <code className="font-mono text-xs">data-name</code> (default “user-feedback”),{" "}
          <code className="font-mono text-xs">data-end-user-id</code>, <code className="font-mono text-xs">data-comment="true"</code> (a
          comment box after the thumb), <code className="font-mono text-xs">data-target</code> (a CSS selector to render into) and{" "}
          <code className="font-mono text-xs">data-endpoint</code> (default: where widget.js came from). Single-page apps call{" "}
          <code className="font-mono text-xs">KeelRating.render(element, {"{ key, traceId, … }"})</code>.
        </p>
        <p>
          The key must be a public key (<code className="font-mono text-xs">pk_</code>) whose allowed origins include your site; create one
          under{" "}
          <Link href={`/${project.slug}/settings`} className="font-medium text-indigo-600 hover:text-indigo-500">
            Settings → API keys
          </Link>
          . A public key can only add ratings to this project's traces; it reads nothing.
        </p>
      </div>
    </Card>
  );
}

function LiveDemo({
  origin,
  demoKey,
  onKey,
  traceParam,
}: {
  origin: string;
  demoKey: DemoKey | null;
  onKey: (k: DemoKey) => void;
  traceParam: string | null;
}) {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const queryClient = useQueryClient();
  const create = useMutation(
    trpc.workspace.keys.create.mutationOptions({
      onSuccess: (res) => {
        onKey({ key: res.key, origin });
        return queryClient.invalidateQueries({ queryKey: trpc.workspace.keys.list.pathKey() });
      },
    }),
  );
  const createKey = () => create.mutate({ projectId, name: "widget demo", kind: "public", origins: [origin] });

  const canCreate = atLeast(project.role, "engineer");
  return (
    <div className="flex flex-col gap-5">
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-600">
        {demoKey ? (
          <>
            <span>
              Demo key <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">{demoKey.key.slice(0, 12)}…</code> for{" "}
              <code className="font-mono text-xs">{demoKey.origin}</code>, kept in this browser.
            </span>
            {canCreate && (
              <Button size="sm" variant="ghost" onClick={createKey} loading={create.isPending}>
                Create a new demo key
              </Button>
            )}
          </>
        ) : canCreate ? (
          <>
            <span>The widget needs a public key bound to {origin || "this origin"}.</span>
            <Button variant="primary" onClick={createKey} loading={create.isPending} disabled={!origin}>
              Create a demo key
            </Button>
          </>
        ) : (
          <span>The live demo needs a public key; creating one needs the engineer role or higher. Ask an engineer of this project.</span>
        )}
      </div>
      {create.error && <ErrorBox title="Could not create the demo key" message={errorMessage(create.error)} />}
      <TracePicker origin={origin} demoKey={demoKey} traceParam={traceParam} />
    </div>
  );
}

function TracePicker({ origin, demoKey, traceParam }: { origin: string; demoKey: DemoKey | null; traceParam: string | null }) {
  const trpc = useTRPC();
  const project = useProject();
  const projectId = project.slug;
  const router = useRouter();
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const traces = useQuery(trpc.logs.traces.list.queryOptions({ projectId, limit: 20 }));
  const traceId = traceParam ?? traces.data?.items[0]?.id ?? null;
  const detail = useQuery({ ...trpc.logs.traces.get.queryOptions({ projectId, traceId: traceId ?? "" }), enabled: !!traceId });

  if (traces.isPending) return <Skeleton rows={2} />;
  if (traces.isError)
    return <ErrorBox title="Could not load traces" message={errorMessage(traces.error)} onRetry={() => void traces.refetch()} />;
  if (!traceId)
    return (
      <EmptyState title="No traces yet">
        The widget rates a logged trace. Ingest one first (with the SDK or <code className="font-mono text-xs">POST /api/v1/ingest</code>
        ), then come back. See{" "}
        <Link href={`/${project.slug}/logs`} className="font-medium text-indigo-600 hover:text-indigo-500">
          Logs
        </Link>
        .
      </EmptyState>
    );

  const items = traces.data.items;
  const pick = (id: string) => router.replace(`${pathname}?trace=${encodeURIComponent(id)}`, { scroll: false });
  const rated = () =>
    Promise.all([detail.refetch(), queryClient.invalidateQueries({ queryKey: trpc.logs.traces.list.pathKey() })]).catch(() => {});

  return (
    <>
      <Field label="Trace" hint="The latest 20 traces of this project; a link can name another with ?trace=<id>.">
        <Select value={traceId} onChange={(e) => pick(e.target.value)} className="max-w-xl">
          {!items.some((t) => t.id === traceId) && <option value={traceId}>{traceId} (from the link)</option>}
          {items.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name ?? "(unnamed)"} · {formatRelative(t.timestamp)} · {t.id}
            </option>
          ))}
        </Select>
      </Field>
      {demoKey ? (
        <>
          <LiveWidget publicKey={demoKey.key} traceId={traceId} onRated={rated} />
          <div className="flex flex-col gap-2">
            <p className="text-sm text-slate-600">
              The same in a React app, with a comment box:{" "}
              <code className="font-mono text-xs">{"<KeelRating publicKey=… traceId=… endpoint=… withComment />"}</code> from{" "}
              <code className="font-mono text-xs">sdk/react.tsx</code>.
            </p>
            <div data-testid="react-demo" className="rounded-md border border-dashed border-slate-300 bg-slate-50 px-4 py-3 text-sm">
              <KeelRating publicKey={demoKey.key} traceId={traceId} endpoint={origin} withComment onRated={rated} />
            </div>
          </div>
        </>
      ) : (
        <p className="rounded-md border border-dashed border-slate-300 bg-slate-50 px-4 py-3 text-sm text-slate-500">
          The widget appears here once there is a demo key.
        </p>
      )}
      <div>
        <h3 className="mb-2 text-sm font-semibold text-slate-900">Ratings of this trace</h3>
        <TraceRatings query={detail} />
      </div>
    </>
  );
}

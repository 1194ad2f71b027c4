"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSyncExternalStore } from "react";
import { Badge, Card, ErrorBox, PageHeader, Skeleton, Table, Td, Th, type Tone } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { formatDateTime, formatMB } from "@/app/_lib/format";
import { useProject } from "@/app/_lib/project";
import { atLeast, roleLabel } from "@/app/_lib/roles";
import { type RouterOutputs, useTRPC } from "@/app/_lib/trpc";
import { Activity } from "./_components/Activity";

type LocalModel = RouterOutputs["serving"]["localModels"][number];

const TASK_TONE: Record<LocalModel["task"], Tone> = {
  "text-generation": "indigo",
  "feature-extraction": "blue",
  "text-classification": "green",
  unknown: "gray",
};

const noSubscribe = () => () => {};
/** This server's origin as the browser reached it; a placeholder while rendering on the server. */
const useOrigin = () =>
  useSyncExternalStore(
    noSubscribe,
    () => window.location.origin,
    () => "http://<host>",
  );

export default function OverviewPage() {
  const project = useProject();
  const origin = useOrigin();

  return (
    <>
      <PageHeader
        title={project.name}
        description={
          <>
            <span className="font-mono">{project.slug}</span> · you are <Badge tone="indigo">{roleLabel(project.role)}</Badge>
          </>
        }
      />
      <Activity />
      <div className="mt-8 grid gap-6 lg:grid-cols-5">
        <Card title="Project" className="lg:col-span-2">
          <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
            <dt className="text-slate-500">Name</dt>
            <dd className="text-slate-900">{project.name}</dd>
            <dt className="text-slate-500">Slug</dt>
            <dd className="font-mono text-slate-900">{project.slug}</dd>
            <dt className="text-slate-500">Project ID</dt>
            <dd className="font-mono text-xs break-all text-slate-700">{project.id}</dd>
            <dt className="text-slate-500">Your role</dt>
            <dd className="text-slate-900">{roleLabel(project.role)}</dd>
            <dt className="text-slate-500">Created</dt>
            <dd className="text-slate-900">{formatDateTime(project.createdAt)}</dd>
          </dl>
        </Card>
        <Card title="Get started" description="Call the API with a secret key of this project." className="lg:col-span-3">
          <pre className="overflow-x-auto rounded-md bg-slate-900 px-4 py-3 font-mono text-xs leading-relaxed text-slate-100">
            <code>{`curl -H "Authorization: Bearer sk_..." ${origin}/api/v1/projects/${project.slug}`}</code>
          </pre>
          <p className="mt-3 text-sm text-slate-500">
            {atLeast(project.role, "engineer") ? (
              <>
                Create a secret key in the{" "}
                <Link href={`/${project.slug}/settings`} className="font-medium text-indigo-600 hover:text-indigo-500">
                  API keys
                </Link>{" "}
                section of this project's settings. A secret key acts with the role of the person who created it.
              </>
            ) : (
              "Ask an engineer or admin of this project for a secret key."
            )}
          </p>
        </Card>
        <LocalModels className="lg:col-span-5" />
      </div>
    </>
  );
}

function LocalModels({ className }: { className?: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const models = useQuery(trpc.serving.localModels.queryOptions({ projectId: project.slug }));

  return (
    <Card title="Local models" description="Models bundled with this Keel install; they run offline." className={className}>
      {models.isPending ? (
        <Skeleton rows={3} />
      ) : models.isError ? (
        <ErrorBox title="Could not list local models" message={errorMessage(models.error)} onRetry={() => void models.refetch()} />
      ) : models.data.length === 0 ? (
        <p className="py-4 text-sm text-slate-500">No models in the models folder of this install.</p>
      ) : (
        <Table label="Local models">
          <thead>
            <tr>
              <Th>Model</Th>
              <Th>Task</Th>
              <Th>Architecture</Th>
              <Th>Files</Th>
            </tr>
          </thead>
          <tbody>
            {models.data.map((m) => (
              <tr key={m.id}>
                <Td className="font-mono text-xs whitespace-nowrap text-slate-900">{m.id}</Td>
                <Td>
                  <Badge tone={TASK_TONE[m.task]}>{m.task}</Badge>
                </Td>
                <Td>{m.architecture}</Td>
                <Td>
                  {m.files.length === 0 ? (
                    <span className="text-slate-400">No ONNX files</span>
                  ) : (
                    <ul className="flex flex-col gap-0.5">
                      {m.files.map((f) => (
                        <li key={f.name} className="flex justify-between gap-4 text-xs">
                          <span className="font-mono text-slate-600">{f.name}</span>
                          <span className="text-slate-900 tabular-nums">{formatMB(f.bytes)}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  );
}

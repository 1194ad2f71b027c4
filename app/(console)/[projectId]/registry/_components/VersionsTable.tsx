"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ErrorBox, LoadMore, Skeleton, Table, Td, Th, When } from "@/app/_components/ui";
import { errorMessage } from "@/app/_lib/errors";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { AliasBadge, formatBytes, VersionStatus, versionHref } from "./shared";

const PAGE_SIZE = 20;

/** The model's versions, newest first, a page at a time (keyset on the version number). */
export function VersionsTable({ model }: { model: string }) {
  const trpc = useTRPC();
  const project = useProject();
  const versions = useInfiniteQuery(
    trpc.registry.versions.list.infiniteQueryOptions(
      { projectId: project.slug, model, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  if (versions.isPending) return <Skeleton rows={3} />;
  if (versions.isError)
    return <ErrorBox title="Could not load versions" message={errorMessage(versions.error)} onRetry={() => void versions.refetch()} />;
  const items = versions.data.pages.flatMap((p) => p.items);
  if (items.length === 0) return <p className="text-sm text-slate-500">No versions yet. Upload the first one above.</p>;
  return (
    <div className="flex flex-col gap-3">
      <Table label="Versions">
        <thead>
          <tr>
            <Th>Version</Th>
            <Th>Status</Th>
            <Th>Format</Th>
            <Th className="text-right">Files</Th>
            <Th className="text-right">Size</Th>
            <Th>Aliases</Th>
            <Th>Created</Th>
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.id}>
              <Td>
                <Link
                  href={versionHref(project.slug, model, v.version)}
                  className="font-medium text-indigo-600 tabular-nums hover:text-indigo-500"
                >
                  v{v.version}
                </Link>
                {v.description && <p className="line-clamp-1 max-w-xs text-xs text-slate-500">{v.description}</p>}
              </Td>
              <Td>
                <VersionStatus status={v.status} />
              </Td>
              <Td className="text-xs">{v.format}</Td>
              <Td className="text-right tabular-nums">{v.fileCount}</Td>
              <Td className="text-right whitespace-nowrap tabular-nums">{formatBytes(v.totalSize)}</Td>
              <Td>
                <div className="flex flex-wrap gap-1">
                  {v.aliases.map((a) => (
                    <AliasBadge key={a} alias={a} />
                  ))}
                </div>
              </Td>
              <Td>
                <When at={v.createdAt} />
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <LoadMore query={versions} size="sm" />
    </div>
  );
}

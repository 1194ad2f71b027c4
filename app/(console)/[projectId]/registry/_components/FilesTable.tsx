"use client";

import { Table, Td, Th } from "@/app/_components/ui";
import { formatBytes } from "./shared";

/** Stored files (a version's, a run's artifacts): each path a download link, its size and the start of its sha256. */
export function FilesTable({
  label,
  files,
  href,
}: {
  label: string;
  files: { path: string; size: number | null; sha256: string }[];
  href: (path: string) => string;
}) {
  return (
    <Table label={label}>
      <thead>
        <tr>
          <Th>Path</Th>
          <Th className="text-right">Size</Th>
          <Th>sha256</Th>
        </tr>
      </thead>
      <tbody>
        {files.map((f) => (
          <tr key={f.path}>
            <Td>
              <a href={href(f.path)} download className="font-mono text-xs font-medium text-indigo-600 hover:text-indigo-500">
                {f.path}
              </a>
            </Td>
            <Td className="text-right whitespace-nowrap tabular-nums">{formatBytes(f.size)}</Td>
            <Td>
              <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs" title={f.sha256}>
                {f.sha256.slice(0, 12)}
              </code>
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

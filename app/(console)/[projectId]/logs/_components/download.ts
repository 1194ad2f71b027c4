/**
 * Export traces by a POSTed filter and save the answer as a file. A selection's ids go in the body:
 * a download link's URL holds only about 200 of them. The session cookie authenticates the request.
 */
export async function downloadExport(projectSlug: string, format: "csv" | "jsonl", filter: object): Promise<void> {
  const res = await fetch(`/api/v1/projects/${encodeURIComponent(projectSlug)}/traces/export`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ format, filter }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `Export failed (HTTP ${res.status})`);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `traces.${format}`;
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // later, not now: the click hands the file to the browser's download asynchronously
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

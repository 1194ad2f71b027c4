import { enc } from "@/app/_lib/url";

export const promptsHref = (slug: string) => `/${slug}/registry/prompts`;
export const promptHref = (slug: string, name: string) => `${promptsHref(slug)}/${enc(name)}`;
/** The explorer filtered by one prompt version's calls (its `promptVersion` filter). */
export const promptTracesHref = (slug: string, versionId: string) => `/${slug}/logs?${new URLSearchParams({ promptVersion: versionId })}`;

"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useProject } from "@/app/_lib/project";
import { useTRPC } from "@/app/_lib/trpc";
import { periodStart } from "./limits";

/** A secret key's page: its limits, spend charts and remaining budget. */
export const keyHref = (slug: string, keyId: string) => `/${slug}/settings/keys/${keyId}`;

const HOUR = 3_600_000;

/**
 * The project's hourly key spend since the start of this UTC month (or of one key), up to the end of
 * the current hour: enough for every budget period (a day lies inside its month). `now` is fixed when
 * the component mounts, so the query key stays the same across renders; spend is summed as of it.
 */
export function useMonthSpend(keyId?: string) {
  const trpc = useTRPC();
  const project = useProject();
  const [now] = useState(() => new Date());
  const from = periodStart("month", now);
  const to = new Date(Math.floor(now.getTime() / HOUR) * HOUR + HOUR);
  const query = useQuery(trpc.routing.spend.keys.queryOptions({ projectId: project.slug, from, to, keyId }));
  return { query, now };
}

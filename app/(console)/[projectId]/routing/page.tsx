"use client";

import { EmptyState } from "../../../_components/EmptyState";
import { PageHeader } from "../../../_components/ui";

export default function RoutingPage() {
  return (
    <>
      <PageHeader title="Routing" description="Send each request to the right model." />
      <EmptyState title="No routers yet">
        Routers will live here: rules, learned and cascade policies, weighted and canary splits, fallbacks and caching for the
        OpenAI-compatible gateway.
      </EmptyState>
    </>
  );
}

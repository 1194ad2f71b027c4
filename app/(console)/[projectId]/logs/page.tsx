"use client";

import { EmptyState } from "../../../_components/EmptyState";
import { PageHeader } from "../../../_components/ui";

export default function LogsPage() {
  return (
    <>
      <PageHeader title="Logs" description="Every prompt and response your apps send through Keel." />
      <EmptyState title="No calls logged yet">
        Logged calls will appear here with their prompt, response, model, tokens, cost, latency and routing decision, ready to rate and to
        turn into datasets.
      </EmptyState>
    </>
  );
}

"use client";

import { useState } from "react";
import { Card, Field, PageHeader, Select } from "@/app/_components/ui";
import { ApprovalRequests, type RequestStatusName } from "../_components/ApprovalRequests";
import { RegistryNav } from "../_components/RegistryNav";

const STATUSES: RequestStatusName[] = ["pending", "approved", "rejected", "cancelled"];

export default function ApprovalsPage() {
  const [status, setStatus] = useState<RequestStatusName | "">("");
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Approvals"
        description="Alias moves that a model's policy holds for a vote: each with the gate results it passed and the votes so far."
      />
      <RegistryNav />
      <Card
        title="Approval requests"
        actions={
          <Field label={<span className="sr-only">Status</span>} className="w-44">
            <Select value={status} onChange={(e) => setStatus(e.target.value as RequestStatusName | "")}>
              <option value="">All statuses</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.charAt(0).toUpperCase() + s.slice(1)}
                </option>
              ))}
            </Select>
          </Field>
        }
      >
        <ApprovalRequests status={status ? [status] : undefined} />
      </Card>
    </div>
  );
}

"use client";

import { usePathname } from "next/navigation";
import { SectionTabs } from "@/app/_components/SectionTabs";
import { useProject } from "@/app/_lib/project";

/** The Registry section's pages: models (and their versions), prompts, approvals, experiments (and runs), webhooks. */
const TABS = [
  { path: "", label: "Models", also: ["/models"] },
  { path: "/prompts", label: "Prompts", also: [] },
  { path: "/approvals", label: "Approvals", also: [] },
  { path: "/experiments", label: "Experiments", also: ["/runs", "/compare"] },
  { path: "/webhooks", label: "Webhooks", also: [] },
] as const;

export function RegistryNav() {
  const project = useProject();
  const pathname = usePathname();
  const base = `/${project.slug}/registry`;
  const under = (p: string) => pathname === `${base}${p}` || pathname.startsWith(`${base}${p}/`);
  const isActive = (t: (typeof TABS)[number]) => (t.path ? under(t.path) : pathname === base) || t.also.some((a) => under(a));

  const tabs = TABS.map((t) => ({ href: `${base}${t.path}`, label: t.label, active: isActive(t) }));
  return <SectionTabs label="Registry sections" tabs={tabs} />;
}

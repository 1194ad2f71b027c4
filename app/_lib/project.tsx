"use client";

import { createContext, type ReactNode, useContext } from "react";
import type { RouterOutputs } from "./trpc";

export type ProjectAccess = RouterOutputs["workspace"]["projects"]["get"];

const ProjectContext = createContext<ProjectAccess | null>(null);

/** Set by the console layout once `workspace.projects.get` has answered. */
export function ProjectProvider({ project, children }: { project: ProjectAccess; children: ReactNode }) {
  return <ProjectContext.Provider value={project}>{children}</ProjectContext.Provider>;
}

/** The current project (with the viewer's role); only inside the console layout. */
export function useProject(): ProjectAccess {
  const project = useContext(ProjectContext);
  if (!project) throw new Error("useProject() used outside the console layout");
  return project;
}

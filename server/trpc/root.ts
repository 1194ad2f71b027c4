import { datasetsRouter } from "../datasets/router";
import { driftRouter } from "../drift/router";
import { evalsRouter } from "../evals/router";
import { logsRouter } from "../logs/router";
import { registryRouter } from "../registry/router";
import { routingRouter } from "../routing/router";
import { servingRouter } from "../serving/router";
import { tuningRouter } from "../tuning/router";
import { workspaceRouter } from "../workspace/router";
import { createCallerFactory, router } from "./init";
import { jobsRouter } from "./jobs";
import { overviewRouter } from "./overview";

export const appRouter = router({
  workspace: workspaceRouter,
  jobs: jobsRouter,
  overview: overviewRouter,
  logs: logsRouter,
  evals: evalsRouter,
  datasets: datasetsRouter,
  serving: servingRouter,
  registry: registryRouter,
  routing: routingRouter,
  tuning: tuningRouter,
  drift: driftRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);

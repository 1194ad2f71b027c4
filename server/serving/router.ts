import { modelsDir } from "../../env";
import { projectProcedure, router } from "../trpc/init";
import { listLocalModels } from "./catalog";

export const servingRouter = router({
  /** Models bundled with this Keel install (the models dir), usable offline. */
  localModels: projectProcedure.query(() => listLocalModels(modelsDir())),
});

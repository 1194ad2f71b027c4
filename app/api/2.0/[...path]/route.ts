import { handleMlflow } from "@/server/http/mlflow";

/** MLflow's tracking API for `next dev`; `keel start` serves it straight from node:http. */
export const dynamic = "force-dynamic";
export const GET = handleMlflow;
export const POST = handleMlflow;
export const PATCH = handleMlflow;
export const PUT = handleMlflow;
export const DELETE = handleMlflow;

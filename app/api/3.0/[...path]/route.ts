import { dispatch } from "@/server/http/dispatch";

/** MLflow 3's API (`/api/3.0/mlflow/traces...`) through the route table's dispatcher for `next dev`; `keel start` serves it from node:http. */
export const dynamic = "force-dynamic";
export const GET = dispatch;
export const POST = dispatch;
export const PATCH = dispatch;
export const PUT = dispatch;
export const DELETE = dispatch;

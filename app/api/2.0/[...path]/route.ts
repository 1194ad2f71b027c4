import { dispatch } from "@/server/http/dispatch";

/** MLflow's tracking API through the route table's dispatcher for `next dev`; `keel start` serves it from node:http. */
export const dynamic = "force-dynamic";
export const GET = dispatch;
export const POST = dispatch;
export const PATCH = dispatch;
export const PUT = dispatch;
export const DELETE = dispatch;

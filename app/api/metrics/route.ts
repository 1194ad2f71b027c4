import { handleMetrics } from "@/server/http/ops";

export const dynamic = "force-dynamic";
export const GET = handleMetrics;

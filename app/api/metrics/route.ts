import { handleMetrics } from "@/server/http/ops";

export const dynamic = "force-dynamic";
// not `GET = handleMetrics`: Next passes a context second, where handleMetrics takes the token
export const GET = (req: Request) => handleMetrics(req);

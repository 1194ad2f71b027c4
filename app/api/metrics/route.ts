import { dispatch } from "@/server/http/dispatch";

export const dynamic = "force-dynamic";
// Next passes a context second; the dispatcher takes the request only
export const GET = (req: Request) => dispatch(req);

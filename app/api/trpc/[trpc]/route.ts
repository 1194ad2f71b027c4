import { handleTrpc } from "@/server/http/trpc";

export const dynamic = "force-dynamic";
export const GET = handleTrpc;
export const POST = handleTrpc;

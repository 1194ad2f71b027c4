/** MLflow's tracking REST API (`/api/2.0/mlflow/...`) over the registry domain. */
export async function handleMlflow(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  return new Response(JSON.stringify({ error_code: "ENDPOINT_NOT_FOUND", message: `No endpoint ${req.method} ${path}` }), {
    status: 404,
    headers: { "content-type": "application/json" },
  });
}

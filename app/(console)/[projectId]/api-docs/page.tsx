import { PageHeader } from "@/app/_components/ui";
import { ApiDocs } from "./_components/ApiDocs";

/** The public HTTP API, rendered from /api/v1/openapi.json (generated from the route table). */
export default function ApiDocsPage() {
  return (
    <>
      <PageHeader
        title="HTTP API"
        description={
          <>
            Every public endpoint, generated from Keel&apos;s route table. The raw document:{" "}
            <a className="text-indigo-600 underline" href="/api/v1/openapi.json">
              /api/v1/openapi.json
            </a>{" "}
            (OpenAPI 3.1).
          </>
        }
      />
      <ApiDocs />
    </>
  );
}

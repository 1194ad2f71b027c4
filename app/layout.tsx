import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Providers } from "@/app/_lib/trpc";
import "./globals.css";

export const metadata: Metadata = { title: "Keel", description: "Self-hosted LLMOps and MLOps" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Render every page per request: the Content-Security-Policy carries a fresh script nonce
  // (cli/web.ts), and Next.js can only stamp it on the scripts of a page rendered after it is known;
  // a page prerendered at build time would ship scripts without it, which the browser refuses to run.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}

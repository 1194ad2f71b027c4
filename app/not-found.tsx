import Link from "next/link";
import { buttonClass } from "@/app/_components/classes";
import { Logo } from "@/app/_components/Logo";

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 text-center">
      <Logo />
      <p className="mt-10 text-sm font-medium text-indigo-600">404</p>
      <h1 className="mt-1 text-2xl font-semibold tracking-tight text-slate-900">Page not found</h1>
      <p className="mt-2 max-w-sm text-sm text-slate-500">The page you asked for does not exist, or it moved.</p>
      <Link href="/" className={`${buttonClass("primary")} mt-6`}>
        Back to Keel
      </Link>
    </main>
  );
}

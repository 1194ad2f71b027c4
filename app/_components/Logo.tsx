/** Keel's mark: a keel under a hull line. Decorative; the text beside it names the product. */
export function Logo({ withName = true }: { withName?: boolean }) {
  return (
    <span className="inline-flex items-center gap-2 font-semibold tracking-tight text-slate-900">
      <span aria-hidden="true" className="flex size-7 items-center justify-center rounded-md bg-slate-900 text-white">
        <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" className="size-4">
          <path strokeLinecap="round" strokeLinejoin="round" d="M4 8h16M7 8l5 10 5-10" />
        </svg>
      </span>
      {withName && <span>Keel</span>}
    </span>
  );
}

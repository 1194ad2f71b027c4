"use client";

import { useEffect, useRef, useState } from "react";
import { ErrorBox } from "@/app/_components/ui";

/**
 * The real /widget.js, embedded exactly as the snippet says: a <script> with data attributes,
 * which renders the widget right after itself. `onRated` runs on the widget's `keel:rated` event.
 */
export function LiveWidget({ publicKey, traceId, onRated }: { publicKey: string; traceId: string; onRated: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const onRatedRef = useRef(onRated);
  useEffect(() => {
    onRatedRef.current = onRated;
  });
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setFailed(false);
    const script = document.createElement("script");
    script.src = "/widget.js";
    script.async = true;
    script.dataset.key = publicKey;
    script.dataset.traceId = traceId;
    script.onerror = () => setFailed(true);
    // React renders no children into this element; the widget owns them.
    el.replaceChildren(script);
    const rated = () => onRatedRef.current();
    el.addEventListener("keel:rated", rated);
    return () => {
      el.removeEventListener("keel:rated", rated);
      el.replaceChildren();
    };
  }, [publicKey, traceId]);

  return (
    <>
      <div ref={ref} data-testid="widget-demo" className="min-h-9 rounded-md border border-dashed border-slate-300 bg-slate-50 px-4 py-3" />
      {failed && <ErrorBox title="Could not load /widget.js" message="The widget script did not load; check that the server serves it." />}
    </>
  );
}

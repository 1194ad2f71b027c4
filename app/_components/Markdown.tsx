import type { ComponentPropsWithoutRef } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

/**
 * Markdown written by people (model cards): CommonMark with GitHub's tables, task lists and
 * strikethrough. Raw HTML is dropped (`skipHtml`, and no rehype-raw), so a `<script>` in a card is
 * never a script; links keep only http(s) and mailto targets and open in a new tab without access to
 * this page (rel="noopener noreferrer"). Styled by a component map: no typography plugin here.
 */

const SAFE_URL = /^(https?:|mailto:)/i;
/** Absolute http(s)/mailto URLs pass; anything else (javascript:, data:, relative paths) is dropped. */
export const safeUrl = (url: string): string => (SAFE_URL.test(url.trim()) ? url.trim() : "");

const components: Components = {
  h1: (p) => <h3 className="mt-4 mb-2 text-base font-semibold text-slate-900 first:mt-0" {...strip(p)} />,
  h2: (p) => <h4 className="mt-4 mb-2 text-sm font-semibold text-slate-900 first:mt-0" {...strip(p)} />,
  h3: (p) => <h5 className="mt-3 mb-1 text-sm font-semibold text-slate-900 first:mt-0" {...strip(p)} />,
  h4: (p) => <h6 className="mt-3 mb-1 text-sm font-medium text-slate-900 first:mt-0" {...strip(p)} />,
  h5: (p) => <h6 className="mt-3 mb-1 text-sm font-medium text-slate-700 first:mt-0" {...strip(p)} />,
  h6: (p) => <h6 className="mt-3 mb-1 text-sm font-medium text-slate-700 first:mt-0" {...strip(p)} />,
  p: (p) => <p className="my-2 leading-6" {...strip(p)} />,
  ul: (p) => <ul className="my-2 list-disc space-y-1 pl-6" {...strip(p)} />,
  ol: (p) => <ol className="my-2 list-decimal space-y-1 pl-6" {...strip(p)} />,
  li: (p) => <li className="leading-6" {...strip(p)} />,
  strong: (p) => <strong className="font-semibold text-slate-900" {...strip(p)} />,
  em: (p) => <em className="italic" {...strip(p)} />,
  del: (p) => <del className="text-slate-500" {...strip(p)} />,
  blockquote: (p) => <blockquote className="my-2 border-l-4 border-slate-200 pl-3 text-slate-600" {...strip(p)} />,
  hr: () => <hr className="my-4 border-slate-200" />,
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer" className="font-medium text-indigo-600 underline hover:text-indigo-500">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  img: ({ alt }) => <span className="text-slate-500">[image{alt ? `: ${alt}` : ""}]</span>,
  pre: (p) => (
    <pre className="my-2 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-xs leading-5 text-slate-100" {...strip(p)} />
  ),
  code: ({ className, children }) =>
    // fenced blocks carry a language class or sit in <pre> (styled above); inline code gets a chip
    className ? (
      <code className={className}>{children}</code>
    ) : (
      <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em] text-slate-800 [pre_&]:bg-transparent [pre_&]:p-0 [pre_&]:text-slate-100">
        {children}
      </code>
    ),
  table: (p) => (
    <div className="my-2 overflow-x-auto">
      <table className="min-w-full border-collapse text-left text-sm" {...strip(p)} />
    </div>
  ),
  th: (p) => <th className="border-b border-slate-300 px-3 py-1.5 font-semibold text-slate-900" {...strip(p)} />,
  td: (p) => <td className="border-b border-slate-100 px-3 py-1.5 align-top" {...strip(p)} />,
  input: ({ checked, type }) =>
    type === "checkbox" ? <input type="checkbox" checked={!!checked} readOnly disabled className="mr-1" /> : null,
};

/** react-markdown passes its AST `node` along; it is not a DOM attribute. */
function strip<T extends { node?: unknown }>(p: T): Omit<T, "node"> {
  const { node: _node, ...rest } = p;
  return rest;
}

export function Markdown({ text, className, ...rest }: { text: string } & Omit<ComponentPropsWithoutRef<"div">, "children">) {
  return (
    <div className={`min-w-0 text-sm break-words text-slate-800 ${className ?? ""}`} {...rest}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml urlTransform={safeUrl} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}

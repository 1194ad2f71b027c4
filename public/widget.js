/*! Keel rating widget: thumbs up/down (and an optional comment) for one logged trace.
 * <script src="https://keel.example.com/widget.js" data-key="pk_..." data-trace-id="..." async></script>
 * Optional: data-observation-id, data-name, data-end-user-id, data-comment="true", data-target (CSS
 * selector), data-endpoint (default: this script's origin). For single-page apps:
 * KeelRating.render(element, { key, traceId, observationId, name, endUserId, comment, endpoint, onRated }).
 * Renders in a Shadow DOM, so the host page's styles and ours never meet. No dependencies, no build. */
(() => {
  const script = document.currentScript;
  const THUMB =
    '<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M7 10v12M15 5.9 14 10h5.8a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.4 22H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.8a2 2 0 0 0 1.8-1.1L12 2a3.1 3.1 0 0 1 3 3.9Z"/></svg>';
  const CSS =
    ":host{all:initial;display:block;font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--keel-color,#334155)}" +
    ".r{display:flex;flex-wrap:wrap;align-items:center;gap:8px}" +
    "button{all:unset;box-sizing:border-box;display:inline-flex;align-items:center;gap:4px;padding:5px 9px;border:1px solid #cbd5e1;border-radius:6px;background:#fff;color:inherit;font:inherit;cursor:pointer}" +
    "button:hover{background:#f1f5f9}button:focus-visible{outline:2px solid var(--keel-accent,#4f46e5);outline-offset:2px}" +
    "button[aria-pressed=true]{border-color:var(--keel-accent,#4f46e5);color:var(--keel-accent,#4f46e5);background:#eef2ff}" +
    "button:disabled{cursor:default;opacity:.6}.d svg{transform:scaleY(-1)}" +
    "form{display:flex;flex-direction:column;gap:6px;margin-top:8px;max-width:420px}" +
    "textarea{box-sizing:border-box;width:100%;min-height:60px;padding:6px 8px;border:1px solid #cbd5e1;border-radius:6px;font:inherit;color:inherit;resize:vertical}" +
    "form button{align-self:flex-start}.e{color:#b91c1c}";

  /** An element with attributes and children; `on*` attributes become listeners. */
  const h = (tag, attrs, ...kids) => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {}))
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (v != null) el.setAttribute(k, v);
    el.append(...kids);
    return el;
  };
  const uid = () => (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));

  /** Draws the widget into `target` (replacing its content) and returns the host element. */
  function render(target, o) {
    if (!target || !o?.key || !o.traceId) throw new Error("KeelRating.render(element, { key, traceId, ... }) needs both");
    const endpoint = (o.endpoint || (script?.src ? new URL(script.src).origin : location.origin)).replace(/\/+$/, "");
    // One id per widget: a changed thumb, a retry or a later comment upserts the same rating.
    const id = uid();
    const host = h("div", { class: "keel-rating" });
    const root = host.attachShadow({ mode: "open" });
    const status = h("span", { role: "status", "aria-live": "polite" });
    let value = null;
    let note = "";
    let form = null;

    const button = (v, label, cls) => {
      const b = h("button", { type: "button", class: cls, "aria-label": label, "aria-pressed": "false", onclick: () => rate(v) });
      b.innerHTML = THUMB;
      return b;
    };
    const up = button(true, "Good response", "u");
    const down = button(false, "Bad response", "d");
    const buttons = [up, down];

    const say = (text, error) => {
      status.textContent = text;
      status.className = error ? "e" : "";
    };

    async function send() {
      for (const r of root.querySelectorAll(".x")) r.remove();
      const body = { id, traceId: o.traceId, name: o.name || "user-feedback", value };
      if (o.observationId) body.observationId = o.observationId;
      if (o.endUserId) body.endUserId = o.endUserId;
      if (note) body.comment = note;
      const busy = form ? [...buttons, ...form.elements] : buttons;
      for (const b of busy) b.disabled = true;
      say("Sending\u2026");
      try {
        const res = await fetch(`${endpoint}/api/v1/ratings`, {
          method: "POST",
          mode: "cors",
          credentials: "omit",
          headers: { authorization: `Bearer ${o.key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        if (!res.ok) {
          const err = await res.json().catch(() => ({}));
          // The reason is for the site's developer; the visitor gets a short line.
          console.warn(`[keel] rating refused (${res.status}):`, err.error?.message || res.statusText);
          throw new Error(res.status === 429 ? "Too many ratings, please try again later." : "Could not send your feedback.");
        }
        say("Thanks for your feedback");
        if (o.onRated) o.onRated(value, note);
        host.dispatchEvent(new CustomEvent("keel:rated", { bubbles: true, composed: true, detail: { id, value, comment: note } }));
        return true;
      } catch (e) {
        say(e instanceof TypeError ? "Could not reach the server." : e.message, true);
        status.after(h("button", { type: "button", class: "x", onclick: send }, "Try again"));
        return false;
      } finally {
        for (const b of busy) b.disabled = false;
      }
    }

    async function rate(v) {
      value = v;
      for (const b of buttons) b.setAttribute("aria-pressed", String(b === (v ? up : down)));
      if ((await send()) && o.comment && !form) {
        const text = h("textarea", { id: "c", maxlength: "5000", rows: "3" });
        form = h(
          "form",
          {
            onsubmit: async (e) => {
              e.preventDefault();
              note = text.value.trim();
              if (note && (await send())) form.remove();
            },
          },
          h("label", { for: "c" }, "Anything to add? (optional)"),
          text,
          h("button", { type: "submit" }, "Send comment"),
        );
        root.append(form);
      }
    }

    root.append(h("style", {}, CSS), h("div", { class: "r", role: "group", "aria-label": "Rate this response" }, up, down, status));
    target.replaceChildren(host);
    return host;
  }

  window.KeelRating = { render };

  // Embedded with data attributes: render in place (or into data-target once the page has it).
  const d = script?.dataset;
  if (!d?.key) return;
  const opts = {
    key: d.key,
    traceId: d.traceId,
    observationId: d.observationId,
    name: d.name,
    endUserId: d.endUserId,
    comment: d.comment === "true",
    endpoint: d.endpoint,
  };
  const mount = () => {
    let el = d.target && document.querySelector(d.target);
    if (!el) {
      if (d.target) return console.warn(`[keel] data-target ${d.target} matches nothing`);
      el = document.createElement("div");
      script.after(el);
    }
    try {
      render(el, opts);
    } catch (e) {
      console.warn(`[keel] ${e.message}`);
    }
  };
  if (d.target && document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();

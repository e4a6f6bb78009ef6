// <retention-widget>: the one script a shop page includes. It defines the
// custom element, loads the widget's wasm once for every element on the
// page, and mounts each element into its own open shadow root.
// `__WIDGET_JS__` and `__WIDGET_WASM__` are the hashed file names, filled
// in by scripts/build-widget.sh.
const base = import.meta.url;
let widget;
const load = () =>
  (widget ??= import(new URL("./__WIDGET_JS__", base).href).then(async (m) => {
    await m.default({ module_or_path: new URL("./__WIDGET_WASM__", base) });
    return m;
  }));

class RetentionWidget extends HTMLElement {
  static observedAttributes = [
    "api", "token", "token-url", "merchant", "customer", "customer-ts", "customer-signature",
    "locale", "sections", "theme", "mode",
  ];
  #mounted = null;
  #queued = false;

  connectedCallback() {
    this.#render();
  }

  disconnectedCallback() {
    this.#unmount();
  }

  #unmount() {
    const mounted = this.#mounted;
    this.#mounted = null;
    mounted?.unmount();
    mounted?.free();
  }

  attributeChangedCallback(name, before, after) {
    // theme is pure CSS (:host([theme])); the rest needs a new mount.
    if (name !== "theme" && before !== after && this.#mounted) this.#render();
  }

  #render() {
    if (this.#queued) return;
    this.#queued = true;
    // One mount per task, however many attributes change together.
    queueMicrotask(async () => {
      try {
        const m = await load();
        this.#queued = false;
        if (!this.isConnected) return;
        this.#unmount();
        this.#mounted = m.mount(this);
      } catch (error) {
        this.#queued = false;
        widget = undefined; // a later element (or a reconnect) tries again

        this.dispatchEvent(new CustomEvent("retention:error", { bubbles: true, composed: true, detail: { code: "load_failed", status: 0 } }));
        console.warn("retention-widget: could not load", error);
      }
    });
  }
}

if (!customElements.get("retention-widget")) customElements.define("retention-widget", RetentionWidget);

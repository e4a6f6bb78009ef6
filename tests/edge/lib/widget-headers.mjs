// The `_headers` file that serves pkg/widget as Workers static assets with
// the headers the native server gives it (crates/server/src/http.rs): any
// shop origin may load it (a module script is a CORS request), loader.js is
// revalidated on every load, the content-hashed files are kept for a year.
// One rule per file, so no two Cache-Control values are ever merged.

/** `_headers` for the widget's files (their names) under /widget/. */
export function widgetHeaders(files) {
  const rules = [];
  for (const name of files.filter((f) => !f.startsWith('_')).sort()) {
    const cache = name === 'loader.js' ? 'no-cache' : 'public, max-age=31536000, immutable';
    rules.push(`/widget/${name}`, '  Access-Control-Allow-Origin: *', '  Cross-Origin-Resource-Policy: cross-origin', `  Cache-Control: ${cache}`, '');
  }
  return rules.join('\n');
}

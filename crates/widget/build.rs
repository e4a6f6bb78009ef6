//! Minifies the widget's stylesheets into `OUT_DIR` (comments and
//! layout whitespace cost bytes every shopper downloads; the sources keep
//! them for the next reader).

use std::{env, fs, path::Path};

fn main() {
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in ["host.css", "dark.css", "widget.css"] {
        let source = format!("src/style/{name}");
        println!("cargo::rerun-if-changed={source}");
        let css = fs::read_to_string(&source).expect("the stylesheet is there");
        fs::write(Path::new(&out).join(name), minify(&css)).expect("OUT_DIR is writable");
    }
}

/// Drops comments, collapses whitespace, and removes it where CSS never
/// needs it: after `{ } ; , :` and `>`, before `{ } ; , >` and `!`, and the
/// last `;` of a block; quoted strings stay as written. Spaces elsewhere (descendant selectors, `calc(a +
/// b)`, `1px solid`) are kept.
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    // Inside a quoted string (`content: ". "`) every character counts.
    let mut quote: Option<char> = None;
    for c in text.chars() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space
            && !out.is_empty()
            && !"{};,>!".contains(c)
            && !out.ends_with(['{', '}', ';', ',', ':', '>'])
        {
            out.push(' ');
        }
        space = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(c);
    }
    out
}

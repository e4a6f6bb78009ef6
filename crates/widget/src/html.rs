//! A small HTML writer for the sections' markup. Every value is escaped;
//! names and tags are the widget's own constants.
//!
//! Why strings and not one typed `view!` per element: Leptos' typed views
//! compile every element, attribute and closure into its own generic code,
//! about 400 bytes of gzipped wasm each. The widget's three sections have
//! hundreds of them, which alone was more than the whole size budget. The
//! sections therefore render their markup here, inside a Leptos effect that
//! tracks the signals it reads, with one delegated listener per section.

use crate::ui::act::Act;

/// Markup being written.
#[derive(Default)]
pub struct Html {
    out: String,
}

/// An attribute: name and value; an empty name is skipped (for flags that
/// are off).
pub type Attr<'a> = (&'a str, &'a str);

/// `(name, "")` when `on`, else nothing: a boolean attribute.
pub fn flag(on: bool, name: &str) -> Attr<'_> {
    if on { (name, "") } else { ("", "") }
}

impl Html {
    /// An empty document.
    pub fn new() -> Html {
        Html::default()
    }

    /// `<tag attrs…>`.
    pub fn open(&mut self, tag: &str, attrs: &[Attr]) -> &mut Html {
        self.out.push('<');
        self.out.push_str(tag);
        self.attrs(attrs);
        self.out.push('>');
        self
    }

    fn attrs(&mut self, attrs: &[Attr]) {
        for (name, value) in attrs {
            if name.is_empty() {
                continue;
            }
            self.out.push(' ');
            self.out.push_str(name);
            if !value.is_empty() {
                self.out.push_str("=\"");
                escape_into(&mut self.out, value);
                self.out.push('"');
            }
        }
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Html {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> &mut Html {
        escape_into(&mut self.out, text);
        self
    }

    /// `<tag attrs…>text</tag>`.
    pub fn el(&mut self, tag: &str, attrs: &[Attr], text: &str) -> &mut Html {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// A `<button type="button">` that the section's listener acts on:
    /// `data-act` names the action, `data-arg` its argument, `data-key`
    /// keeps focus on it across renders.
    pub fn button(
        &mut self,
        class: &str,
        act: Act,
        arg: &str,
        label: &str,
        extra: &[Attr],
    ) -> &mut Html {
        let key = act.key(arg);
        self.out.push_str("<button");
        self.attrs(&[
            ("type", "button"),
            ("class", class),
            ("data-act", act.name()),
            ("data-arg", arg),
            ("data-key", &key),
        ]);
        self.attrs(extra);
        self.out.push('>');
        self.text(label).close("button")
    }

    /// The submit button of a form (disabled while a call runs), with
    /// `key` as its `data-key`.
    pub fn submit(&mut self, class: &str, label: &str, key: &str, disabled: bool) -> &mut Html {
        self.open(
            "button",
            &[
                ("type", "submit"),
                ("class", class),
                ("data-key", key),
                flag(disabled, "disabled"),
            ],
        )
        .text(label)
        .close("button")
    }

    /// The markup.
    pub fn finish(self) -> String {
        self.out
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_off_flags_skipped() {
        let mut h = Html::new();
        h.open(
            "p",
            &[
                ("title", "a \"b\" <c>"),
                flag(false, "hidden"),
                flag(true, "open"),
            ],
        )
        .text("Tom & <Jerry's>")
        .close("p");
        assert_eq!(
            h.finish(),
            "<p title=\"a &quot;b&quot; &lt;c&gt;\" open>Tom &amp; &lt;Jerry&#39;s&gt;</p>"
        );
    }

    #[test]
    fn buttons_carry_their_action_and_focus_key() {
        let mut h = Html::new();
        h.button(
            "rw-button",
            Act::Redeem,
            "r<1>",
            "Redeem",
            &[("aria-label", "Redeem X"), flag(true, "disabled")],
        );
        assert_eq!(
            h.finish(),
            "<button type=\"button\" class=\"rw-button\" data-act=\"redeem\" data-arg=\"r&lt;1&gt;\" \
             data-key=\"redeem:r&lt;1&gt;\" aria-label=\"Redeem X\" disabled>Redeem</button>"
        );
    }
}

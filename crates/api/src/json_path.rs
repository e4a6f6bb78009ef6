//! Where in a JSON text a parse error happened, as a field path
//! (`inner.count`, `rewards[1].points`). serde_json tells how far it read
//! when a value did not fit its type; this maps that position back to the
//! value it was reading. Tracking the path while parsing instead
//! (serde_path_to_error) compiles a second copy of every document's
//! parser, about 36 KiB of the edge module's gzip.

/// The path of the value serde_json was reading when it stopped after
/// `read` bytes of `text` (its error's column: the text is one line), as
/// `a.b[2].c` (empty for the whole document), and that value's bytes;
/// `None` for an unknown position. `peeked` is for serde_json's syntax
/// errors, which count the byte they refused as read.
///
/// `text` is compact JSON as `serde_json::Value` writes it. serde_json
/// stops either just after the bytes of the value at fault (a scalar read
/// whole, a key that is not a field, the `}` of an object missing a field)
/// or, when the value's first byte already shows the wrong kind, just
/// before it: after the `:`, `,` or `[` that leads to it.
pub fn locate(text: &str, read: usize, peeked: bool) -> Option<(String, &str)> {
    let bytes = text.as_bytes();
    if read == 0 || read > bytes.len() {
        return None;
    }
    let mut at = read - 1;
    if !peeked && matches!(bytes[at], b':' | b',' | b'[') {
        at += 1;
    }
    let mut scan = Scan {
        bytes,
        pos: 0,
        at,
        path: Vec::new(),
        found: None,
    };
    scan.value();
    let (path, span) = scan.found?;
    Some((write(&path), text.get(span)?))
}

enum Segment {
    Key(String),
    Index(usize),
}

fn write(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
    at: usize,
    path: Vec<Segment>,
    /// The path and bytes of the deepest value whose bytes hold `at`.
    found: Option<(Vec<Segment>, std::ops::Range<usize>)>,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self) {
        let start = self.pos;
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while !matches!(self.peek(), None | Some(b',' | b']' | b'}')) {
                    self.pos += 1;
                }
            }
            None => {}
        }
        // Children finish first, so the first value found is the deepest.
        if self.found.is_none() && (start..self.pos).contains(&self.at) {
            self.found = Some((self.snapshot(), start..self.pos));
        }
    }

    fn object(&mut self) {
        self.pos += 1;
        while let Some(b'"') = self.peek() {
            let key = self.string();
            self.pos += 1; // ':'
            self.path.push(Segment::Key(key));
            self.value();
            self.path.pop();
            if self.peek() == Some(b',') {
                self.pos += 1;
            }
        }
        self.pos += 1; // '}'
    }

    fn array(&mut self) {
        self.pos += 1;
        let mut index = 0;
        while !matches!(self.peek(), None | Some(b']')) {
            self.path.push(Segment::Index(index));
            self.value();
            self.path.pop();
            index += 1;
            if self.peek() == Some(b',') {
                self.pos += 1;
            }
        }
        self.pos += 1; // ']'
    }

    /// Reads a string token and returns its text.
    fn string(&mut self) -> String {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'"' => break,
                _ => {}
            }
        }
        let token = &self.bytes[start..self.pos.min(self.bytes.len())];
        serde_json::from_slice(token).unwrap_or_default()
    }

    fn snapshot(&self) -> Vec<Segment> {
        self.path
            .iter()
            .map(|s| match s {
                Segment::Key(k) => Segment::Key(k.clone()),
                Segment::Index(i) => Segment::Index(*i),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_at(text: &str, read: usize) -> String {
        locate(text, read, false)
            .map(|(path, _)| path)
            .unwrap_or_default()
    }

    fn at_byte(text: &str, needle: &str, offset: usize) -> String {
        path_at(text, text.find(needle).unwrap() + offset)
    }

    #[test]
    fn a_scalar_read_whole_is_its_own_path() {
        let text = r#"{"a":{"b":[1,"x\"y",3]}}"#;
        assert_eq!(at_byte(text, "\"x", 6), "a.b[1]");
        assert_eq!(at_byte(text, "1,", 1), "a.b[0]");
        assert_eq!(at_byte(text, "3]", 1), "a.b[2]");
    }

    #[test]
    fn a_value_refused_at_its_first_byte_is_found_after_the_separator() {
        let text = r#"{"a":[{"c":1}],"b":{}}"#;
        assert_eq!(
            at_byte(text, "[{", 0) + "|" + &at_byte(text, "[{", 1),
            "a|a[0]"
        );
        assert_eq!(at_byte(text, "{}", 0), "b");
    }

    #[test]
    fn a_key_or_a_closing_brace_names_the_object() {
        let text = r#"{"a":{"x":1},"b":2}"#;
        assert_eq!(at_byte(text, "\"x\"", 3), "a");
        assert_eq!(at_byte(text, "},", 1), "a");
        assert_eq!(path_at(text, text.len()), "");
    }

    #[test]
    fn no_position_is_the_whole_document() {
        assert_eq!(path_at("{}", 0), "");
        assert_eq!(path_at("{}", 9), "");
    }
}

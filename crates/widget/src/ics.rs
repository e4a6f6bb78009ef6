//! "Add reminder to calendar": an iCalendar (RFC 5545) event at the moment
//! points expire, with an alarm three days before, as a `data:` link the
//! browser downloads (no server round trip, no Blob to revoke).

/// The `.ics` text for `points_text` expiring at the API instant
/// `expires_at`, stamped at `stamp` (also an API instant).
pub fn expiry_event(expires_at: &str, summary: &str, description: &str, stamp: &str) -> String {
    let at = compact(expires_at);
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Retention widget//Points expiry//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:points-expiry-{at}@retention-widget"),
        format!("DTSTAMP:{}", compact(stamp)),
        format!("DTSTART:{at}"),
        "DURATION:PT30M".to_owned(),
        format!("SUMMARY:{}", escape(summary)),
        format!("DESCRIPTION:{}", escape(description)),
        "BEGIN:VALARM".to_owned(),
        "ACTION:DISPLAY".to_owned(),
        "TRIGGER:-P3D".to_owned(),
        format!("DESCRIPTION:{}", escape(summary)),
        "END:VALARM".to_owned(),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    text
}

/// A `data:` URL of an `.ics` text.
pub fn data_url(ics: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(ics).into();
    format!("data:text/calendar;charset=utf-8,{encoded}")
}

/// `2027-03-12T09:00:00Z` → `20270312T090000Z`.
fn compact(instant: &str) -> String {
    instant
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect()
}

/// Text values escape backslash, semicolon, comma and newlines.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_at_the_expiry_with_an_alarm() {
        let ics = expiry_event(
            "2027-03-12T09:00:00Z",
            "300 points expire today",
            "Use them; or lose them, really\\",
            "2026-11-23T10:00:00Z",
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.contains("\r\nDTSTART:20270312T090000Z\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20261123T100000Z\r\n"));
        assert!(ics.contains("\r\nTRIGGER:-P3D\r\n"));
        assert!(ics.contains("DESCRIPTION:Use them\\; or lose them\\, really\\\\\r\n"));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'));
    }
}

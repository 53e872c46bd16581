//! HTML escaping for the pages and auto-submitting forms the crates render.

/// Appends `text` escaped for HTML text and quoted attribute values:
/// `& < > " '` as entities, and CR and LF as character references so that
/// an attribute value keeps its line breaks exactly.
///
/// ```
/// let mut out = String::from("<p>");
/// partner_core::encoding::push_html_escaped(&mut out, "Tom & \"Jerry\" <3\n");
/// assert_eq!(out, "<p>Tom &amp; &quot;Jerry&quot; &lt;3&#10;");
/// ```
pub fn push_html_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
}

/// `text` escaped as [`push_html_escaped`] does.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    push_html_escaped(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(html_escape("jon@smith.com"), "jon@smith.com");
        assert_eq!(html_escape("a\r\nb"), "a&#13;&#10;b");
    }
}

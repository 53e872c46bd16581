//! The POST form of a handoff: an HTML page whose form submits itself to
//! the hub. Escaping is `partner_core::encoding`'s.

use partner_core::Error as CoreError;
use partner_core::encoding::push_html_escaped;

use crate::Error;

/// An HTML page whose form posts `fields` to `action` as soon as it loads.
/// Every attribute value is HTML-escaped; `nonce` is the CSP nonce of the
/// submitting script (base64 characters only, else `unsafe-input`).
pub(crate) fn render_post_form(
    action: &str,
    fields: &[(&str, &str)],
    nonce: Option<&str>,
) -> Result<String, Error> {
    if let Some(n) = nonce {
        let base64 =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_');
        if n.is_empty() || !n.bytes().all(base64) {
            return Err(CoreError::UnsafeInput("csp nonce must be base64 characters").into());
        }
    }
    let mut html = String::with_capacity(512);
    html.push_str("<!doctype html><html><head><meta charset=\"utf-8\"><title>Opening integrations</title></head><body>");
    html.push_str("<form id=\"blendr-sso\" method=\"post\" action=\"");
    push_html_escaped(&mut html, action);
    html.push_str("\" accept-charset=\"UTF-8\" enctype=\"application/x-www-form-urlencoded\">");
    for (name, value) in fields {
        html.push_str("<input type=\"hidden\" name=\"");
        push_html_escaped(&mut html, name);
        html.push_str("\" value=\"");
        push_html_escaped(&mut html, value);
        html.push_str("\">");
    }
    html.push_str("<noscript><button type=\"submit\">Continue</button></noscript></form>");
    match nonce {
        Some(n) => {
            html.push_str("<script nonce=\"");
            html.push_str(n);
            html.push_str("\">");
        }
        None => html.push_str("<script>"),
    }
    html.push_str("document.getElementById(\"blendr-sso\").submit();</script></body></html>\n");
    Ok(html)
}

/// Line breaks as a browser submits them: CR, LF and CRLF all become CRLF.
pub(crate) fn crlf(text: &str) -> String {
    if !text.contains(['\r', '\n']) {
        return text.to_owned();
    }
    text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_core::{ErrorKind, HasErrorKind};

    #[test]
    fn values_are_escaped_and_nonces_checked() {
        let html =
            render_post_form("https://h/sso?a=1&b=2", &[("n\"", "<v>&'")], Some("n0+/=")).unwrap();
        assert!(html.contains(r#"action="https://h/sso?a=1&amp;b=2""#), "{html}");
        assert!(html.contains(r#"name="n&quot;" value="&lt;v&gt;&amp;&#39;""#), "{html}");
        assert!(html.contains(r#"<script nonce="n0+/=">"#));
        for bad in ["", "a\"b", "a b", "<x>"] {
            let err = render_post_form("https://h", &[], Some(bad)).unwrap_err();
            assert_eq!(err.error_kind(), ErrorKind::UnsafeInput, "{bad:?}");
        }
    }

    #[test]
    fn line_breaks_become_crlf() {
        assert_eq!(crlf("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
        assert_eq!(crlf("plain"), "plain");
    }
}

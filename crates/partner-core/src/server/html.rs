//! Pages a person opens in a browser: consent pages, stand-in pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::encoding::html_escape;

/// A complete HTML page: `title` (escaped here) as its title and heading,
/// then `body`, which is HTML the caller has already escaped.
///
/// The answer is never cached (`no-store`), never framed
/// (`X-Frame-Options: DENY`, `frame-ancestors 'none'`), runs no script and
/// loads nothing (`default-src 'none'`), and sends no `Referer` from its
/// links and forms, since such pages' URLs often hold a token.
///
/// ```
/// use axum::http::StatusCode;
/// use partner_core::server::html_page;
///
/// let page = html_page(StatusCode::OK, "Grant <access>?", "<p>ok</p>");
/// assert_eq!(page.headers()["cache-control"], "no-store");
/// assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
/// ```
pub fn html_page(status: StatusCode, title: &str, body: &str) -> Response {
    let title = html_escape(title);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::html_page;
    use axum::http::StatusCode;

    #[test]
    fn the_title_is_escaped_and_the_page_locked_down() {
        let page = html_page(StatusCode::NOT_FOUND, "<script>x</script>", "<p>body</p>");
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        let h = page.headers();
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let body = futures_body(page);
        assert!(body.contains("<title>&lt;script&gt;x&lt;/script&gt;</title>"), "{body}");
        assert!(body.contains("<p>body</p>"));
    }

    fn futures_body(page: axum::response::Response) -> String {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let bytes = rt.block_on(axum::body::to_bytes(page.into_body(), 1 << 16)).unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}

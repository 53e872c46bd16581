//! Acme's page layout: plain server-rendered HTML, no script needed.

use axum::response::Html;
use partner_axum::Problem;
use partner_core::encoding::html_escape;

/// A whole page around `body` (HTML already escaped).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{t} - Acme</title></head>\
         <body><p><a href=\"/\">Acme portal</a></p><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = html_escape(title)
    )
}

/// [`page`] as a response.
pub fn html(title: &str, body: &str) -> Html<String> {
    Html(page(title, body))
}

/// The error page: a [`Problem`] for a person.
pub fn problem_page(problem: &Problem) -> String {
    page(
        problem.title(),
        &format!(
            "<p>Status <strong id=\"problem-status\">{}</strong> \
             (<code id=\"problem-kind\">{}</code>)</p>\
             <p id=\"problem-detail\">{}</p><p><a href=\"/\">Back to the portal</a></p>",
            problem.status().as_u16(),
            problem.kind().map_or("error", |k| k.as_str()),
            html_escape(problem.detail())
        ),
    )
}

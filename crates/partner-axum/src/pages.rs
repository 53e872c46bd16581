//! Problem pages for browsers: the same [`Problem`] as an HTML page when
//! the request accepts `text/html`, problem+json otherwise.

use std::fmt;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use partner_core::encoding::html_escape;

use crate::Problem;

type Render = dyn Fn(&Problem) -> String + Send + Sync;

/// How a [`Problem`] looks as a page: your template, or
/// [`ProblemPages::default`], a plain page whose elements carry the ids
/// `problem-title`, `problem-status`, `problem-kind` and `problem-detail`.
#[derive(Clone)]
pub struct ProblemPages {
    render: Arc<Render>,
}

impl fmt::Debug for ProblemPages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProblemPages").finish_non_exhaustive()
    }
}

impl Default for ProblemPages {
    fn default() -> Self {
        ProblemPages::new(default_page)
    }
}

impl ProblemPages {
    /// Pages made by `render` (a whole HTML document; escape what you put
    /// in it, for example with `partner_core::encoding::html_escape`).
    pub fn new(render: impl Fn(&Problem) -> String + Send + Sync + 'static) -> Self {
        ProblemPages { render: Arc::new(render) }
    }

    /// The page for `problem`.
    pub fn render(&self, problem: &Problem) -> String {
        (self.render)(problem)
    }
}

/// The built-in page.
pub fn default_page(problem: &Problem) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <h1 id=\"problem-title\">{title}</h1>\
         <p>Status <span id=\"problem-status\">{status}</span>, \
         <span id=\"problem-kind\">{kind}</span></p>\
         <p id=\"problem-detail\">{detail}</p></body></html>\n",
        title = html_escape(problem.title()),
        status = problem.status().as_u16(),
        kind = problem.kind().map_or("error", |k| k.as_str()),
        detail = html_escape(problem.detail()),
    )
}

fn accepts_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Middleware: a response that carries a [`Problem`] becomes its page,
/// with the same status, for a request that accepts `text/html` (a
/// browser); API clients keep problem+json.
///
/// ```
/// use axum::{Router, middleware, routing::get};
/// use partner_axum::{Problem, ProblemPages, render_problem_pages};
///
/// async fn handler() -> Result<&'static str, Problem> {
///     Err(Problem::from_error(&partner_core::Error::Replayed))
/// }
/// let app: Router = Router::new()
///     .route("/", get(handler))
///     .layer(middleware::from_fn_with_state(ProblemPages::default(), render_problem_pages));
/// ```
pub async fn render_problem_pages(
    State(pages): State<ProblemPages>,
    request: Request,
    next: Next,
) -> Response {
    let html = accepts_html(&request);
    let response = next.run(request).await;
    if !html {
        return response;
    }
    let Some(problem) = response.extensions().get::<Problem>().cloned() else {
        return response;
    };
    let mut page = (problem.status(), Html(pages.render(&problem))).into_response();
    page.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    page.extensions_mut().insert(problem);
    page
}

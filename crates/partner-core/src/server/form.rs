//! Form bodies as web frameworks read them: URL-encoded or
//! `multipart/form-data` (what `curl -F` sends).

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Fields a multipart body may carry at most; more is a 400.
const MAX_MULTIPART_FIELDS: usize = 64;

/// The fields of a request body, in order: `application/x-www-form-urlencoded`
/// (also when no `Content-Type` is sent) or `multipart/form-data`, whose
/// parts are read as text. The route's body limit
/// ([`axum::extract::DefaultBodyLimit`], 2 MB unless a fake sets its own)
/// applies to both.
///
/// ```
/// use partner_core::server::FormFields;
///
/// let form = FormFields::parse_urlencoded(b"grant_type=client_credentials&scope=a+b&scope=c");
/// assert_eq!(form.get("scope"), Some("a b"));
/// assert_eq!(form.count("scope"), 2);
/// assert_eq!(form.get("missing"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormFields {
    fields: Vec<(String, String)>,
}

impl FormFields {
    /// The fields of a URL-encoded body or query string.
    pub fn parse_urlencoded(body: &[u8]) -> Self {
        FormFields {
            fields: form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// How many times `name` is present (OAuth2 refuses repeated
    /// parameters, RFC 6749 §3.1).
    pub fn count(&self, name: &str) -> usize {
        self.fields.iter().filter(|(k, _)| k == name).count()
    }

    /// Every field, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

fn refusal(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n"))
        .into_response()
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(
                |v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"),
            );
        if !multipart {
            let body =
                Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
            return Ok(Self::parse_urlencoded(&body));
        }
        let mut parts =
            Multipart::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        let mut fields = Vec::new();
        loop {
            let field = match parts.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(err) => return Err(refusal(err.status(), "malformed multipart body")),
            };
            if fields.len() == MAX_MULTIPART_FIELDS {
                return Err(refusal(StatusCode::BAD_REQUEST, "too many multipart fields"));
            }
            let name = field.name().unwrap_or_default().to_owned();
            let value = field
                .text()
                .await
                .map_err(|err| refusal(err.status(), "malformed multipart field"))?;
            fields.push((name, value));
        }
        Ok(FormFields { fields })
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::{DefaultBodyLimit, FromRequest};
    use axum::http::{Request, StatusCode, header};
    use proptest::prelude::*;

    use super::FormFields;

    async fn read(content_type: Option<&str>, body: Vec<u8>) -> Result<FormFields, StatusCode> {
        let mut request = Request::post("/");
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let request = request.body(Body::from(body)).unwrap();
        FormFields::from_request(request, &()).await.map_err(|r| r.status())
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    // The body `curl -F grant_type=client_credentials -F client_id=a%20b`
    // sends (boundary as curl writes it).
    const CURL_F: &str = "--------------------------d74496d66958873e\r\n\
        Content-Disposition: form-data; name=\"grant_type\"\r\n\r\n\
        client_credentials\r\n\
        --------------------------d74496d66958873e\r\n\
        Content-Disposition: form-data; name=\"client_id\"\r\n\r\n\
        a%20b\r\n\
        --------------------------d74496d66958873e--\r\n";

    #[test]
    fn multipart_and_urlencoded_bodies_give_the_same_fields() {
        let ct = "multipart/form-data; boundary=------------------------d74496d66958873e";
        let form = block_on(read(Some(ct), CURL_F.into())).unwrap();
        assert_eq!(form.get("grant_type"), Some("client_credentials"));
        assert_eq!(
            form.get("client_id"),
            Some("a%20b"),
            "multipart values are not percent-decoded"
        );
        let form = block_on(read(
            Some("application/x-www-form-urlencoded"),
            b"grant_type=client_credentials&client_id=a%20b".to_vec(),
        ))
        .unwrap();
        assert_eq!(form.get("client_id"), Some("a b"));
        let form = block_on(read(None, b"a=1".to_vec())).unwrap();
        assert_eq!(form.get("a"), Some("1"), "no content type reads as urlencoded");
    }

    #[test]
    fn a_broken_multipart_body_is_a_400() {
        let ct = "multipart/form-data; boundary=xyz";
        assert_eq!(
            block_on(read(Some(ct), b"--xyz\r\nnonsense".to_vec())),
            Err(StatusCode::BAD_REQUEST)
        );
        assert!(block_on(read(Some("multipart/form-data"), b"".to_vec())).is_err(), "no boundary");
    }

    #[test]
    fn too_many_multipart_fields_are_refused() {
        let mut body = String::new();
        for i in 0..65 {
            body.push_str(&format!(
                "--b\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv\r\n"
            ));
        }
        body.push_str("--b--\r\n");
        let result = block_on(read(Some("multipart/form-data; boundary=b"), body.into_bytes()));
        assert_eq!(result, Err(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn the_body_limit_applies() {
        use axum::Router;
        use axum::routing::post;
        use tower_service::Service as _;
        let mut app: Router = Router::new()
            .route("/", post(|f: FormFields| async move { f.count("a").to_string() }))
            .layer(DefaultBodyLimit::max(16));
        let request = Request::post("/").body(Body::from(vec![b'a'; 17])).unwrap();
        let status = block_on(app.call(request)).unwrap().status();
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    proptest! {
        #[test]
        fn any_body_is_fields_or_a_refusal(body in proptest::collection::vec(any::<u8>(), 0..200), boundary in "[a-z]{0,8}") {
            let ct = format!("multipart/form-data; boundary={boundary}");
            let _ = block_on(read(Some(&ct), body.clone()));
            prop_assert!(block_on(read(None, body)).is_ok());
        }
    }
}

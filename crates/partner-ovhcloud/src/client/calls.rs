//! The calls of [`OvhClient`], and [`OvhClient::send`], the one place a
//! request is prepared (signed, or given a bearer token) for each attempt
//! of `partner-core`'s retry loop.

use std::sync::{Mutex, MutexGuard, PoisonError};

use futures_util::Stream;
use partner_core::http::oauth::{bearer, sensitive};
use partner_core::http::reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use partner_core::http::reqwest::{Method as HttpMethod, RequestBuilder};
use partner_core::http::{Answer, Attempt, Call, Page, paginate};
use partner_core::token::AccessToken;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::OvhClient;
use super::dialect::{Auth, OvhDialect};
#[cfg(doc)]
use crate::OvhErrorKind;
use crate::{
    Credential, CredentialRequest, CredentialResponse, Error, PROVIDER, SignedRequest, json_body,
};

/// One request as the caller asked for it, the same at every attempt.
#[derive(Debug)]
struct Outgoing<'a> {
    /// The operation and path template of the `partner.http` span.
    operation: &'static str,
    template: &'static str,
    method: HttpMethod,
    url: Url,
    body: Vec<u8>,
    /// `X-Pagination-Cursor` (v2 lists).
    cursor: Option<&'a str>,
    /// Signed (or with a bearer token), rather than with the application key alone.
    signed: bool,
}

/// What the attempts of one call remember of the previous one.
#[derive(Debug, Default)]
struct Previous {
    /// The bearer token sent.
    token: Mutex<Option<AccessToken>>,
    /// The time delta signed with.
    delta: Mutex<Option<i64>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl OvhClient {
    /// Asks for a consumer key (needs only the application key).
    ///
    /// # Errors
    ///
    /// `malformed` for a request without rules; as [`call`](Self::call).
    pub async fn request_credential(
        &self,
        request: &CredentialRequest,
    ) -> Result<CredentialResponse, Error> {
        request.validate()?;
        let outgoing = Outgoing {
            operation: "request_credential",
            template: "/auth/credential",
            method: HttpMethod::POST,
            url: self.shared.endpoint.url("/auth/credential", &[])?,
            body: json_body(request)?,
            cursor: None,
            signed: false,
        };
        Ok(self.send(outgoing).await?.json(PROVIDER, "credential answer")?)
    }

    /// `GET /auth/currentCredential`: the current consumer key's id,
    /// state, access rules and expiration. Works for any validated key
    /// whatever its access rules (a key granted only `/domain/zone/*`
    /// reads its own credential); an unvalidated, refused or expired key
    /// gets [`OvhErrorKind::InvalidCredential`], a revoked or unknown one
    /// [`OvhErrorKind::NotCredential`].
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub async fn current_credential(&self) -> Result<Credential, Error> {
        let url = self.shared.endpoint.url("/auth/currentCredential", &[])?;
        let outgoing = self.outgoing("current_credential", "/auth/currentCredential", url);
        Ok(self.send(outgoing).await?.json(PROVIDER, "credential")?)
    }

    /// `POST /auth/logout`: revokes the current consumer key, which then
    /// answers [`OvhErrorKind::NotCredential`]. Works for any validated key
    /// whatever its access rules, like
    /// [`current_credential`](Self::current_credential).
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub async fn logout(&self) -> Result<(), Error> {
        let url = self.shared.endpoint.url("/auth/logout", &[])?;
        let outgoing =
            Outgoing { method: HttpMethod::POST, ..self.outgoing("logout", "/auth/logout", url) };
        self.send(outgoing).await.map(drop)
    }

    /// `GET path`, decoded.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call); `rejected` when the answer does not decode.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        Ok(self.call(HttpMethod::GET, path, &[], None).await?.json(PROVIDER, "answer")?)
    }

    /// `GET path?query`, decoded.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_with_query<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        Ok(self.call(HttpMethod::GET, path, query, None).await?.json(PROVIDER, "answer")?)
    }

    /// `POST path` with a JSON body ([`json_body`]), decoded. Never
    /// retried after a server error (not idempotent).
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let body = Some(json_body(body)?);
        Ok(self.call(HttpMethod::POST, path, &[], body).await?.json(PROVIDER, "answer")?)
    }

    /// `PUT path` with a JSON body ([`json_body`]), decoded.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn put<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let body = Some(json_body(body)?);
        Ok(self.call(HttpMethod::PUT, path, &[], body).await?.json(PROVIDER, "answer")?)
    }

    /// `DELETE path`, decoded.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        Ok(self.call(HttpMethod::DELETE, path, &[], None).await?.json(PROVIDER, "answer")?)
    }

    /// A signed call (or one with the service account's bearer token)
    /// returning the answer of a 2xx.
    ///
    /// `path` is split on `/`, each part one encoded segment
    /// ([`Endpoint::url`](crate::Endpoint::url)). The retries are the
    /// settings': after a 5xx, a 408 or a transport failure only when
    /// `method` is idempotent in RFC 9110's sense (GET, HEAD, OPTIONS, PUT,
    /// DELETE); after a 429 whatever the method; after `INVALID_SIGNATURE`
    /// or `QUERY_TIME_OUT` once, with the time delta fetched again; after
    /// a 401 on a bearer token once, with a new token.
    ///
    /// # Errors
    ///
    /// - `unsafe-input` for a path that would not stay one path;
    /// - `rejected` when the API refuses: [`Error::rejection`] has its
    ///   `errorCode`, `message` and `X-Ovh-QueryID`, [`Error::ovh_kind`]
    ///   its family;
    /// - `unavailable` for a transport failure, a timeout, or a 5xx left
    ///   after the retries.
    pub async fn call(
        &self,
        method: HttpMethod,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, Error> {
        let url = self.shared.endpoint.url(path, query)?;
        let outgoing = Outgoing {
            method,
            body: body.unwrap_or_default(),
            ..self.outgoing("call", "{path}", url)
        };
        self.send(outgoing).await
    }

    /// Every item of a v2 list, page after page (`X-Pagination-Cursor`,
    /// on [`partner_core::http::paginate`]). An error ends the stream.
    pub fn paginate<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
        let (client, path) = (self.clone(), path.to_owned());
        paginate(None, move |cursor: Option<String>| {
            let (client, path) = (client.clone(), path.clone());
            async move { client.page(&path, cursor.as_deref()).await }
        })
    }

    /// One page of a v2 list and the cursor of the next.
    async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        cursor: Option<&str>,
    ) -> Result<Page<T, Option<String>>, Error> {
        let url = self.shared.endpoint.url(path, &[])?;
        let outgoing = Outgoing { cursor, ..self.outgoing("list", "{path}", url) };
        let answer = self.send(outgoing).await?;
        let items: Vec<T> = answer.json(PROVIDER, "list page")?;
        let next = answer
            .header("x-pagination-cursor-next")
            .filter(|c| !c.is_empty())
            .map(|c| Some(c.to_owned()));
        Ok(Page::new(items, next))
    }

    /// A signed `GET` without a body.
    fn outgoing(
        &self,
        operation: &'static str,
        template: &'static str,
        url: Url,
    ) -> Outgoing<'static> {
        Outgoing {
            operation,
            template,
            method: HttpMethod::GET,
            url,
            body: Vec::new(),
            cursor: None,
            signed: true,
        }
    }

    /// Sends a call through the retry loop; after a final 401 on a bearer
    /// token, the cached token is forgotten.
    async fn send(&self, outgoing: Outgoing<'_>) -> Result<Answer, Error> {
        let auth = match (outgoing.signed, &self.shared.oauth2) {
            (false, _) => Auth::Application,
            (true, Some(_)) => Auth::Bearer,
            (true, None) => Auth::Signed,
        };
        let dialect = OvhDialect { auth };
        let call = Call::new(outgoing.operation, outgoing.template).dialect(&dialect);
        let previous = Previous::default();
        let result = self
            .shared
            .http
            .send(call, |attempt| self.prepare(&outgoing, auth, attempt, &previous))
            .await;
        if let (Err(err), Some(tokens)) = (&result, &self.shared.oauth2) {
            let refused = err.rejection().is_some_and(|r| r.status == 401);
            let token = lock(&previous.token).take();
            if let (true, Some(token)) = (refused, token) {
                tokens.invalidate(&token).await;
            }
        }
        result
    }

    /// The request of one attempt.
    async fn prepare(
        &self,
        outgoing: &Outgoing<'_>,
        auth: Auth,
        attempt: Attempt,
        previous: &Previous,
    ) -> Result<RequestBuilder, Error> {
        let shared = &*self.shared;
        let mut request = shared
            .http
            .reqwest()
            .request(outgoing.method.clone(), outgoing.url.clone())
            .header(ACCEPT, "application/json");
        request = match auth {
            Auth::Application => request.header("X-Ovh-Application", &shared.application_key),
            Auth::Bearer => request.header(AUTHORIZATION, self.bearer(attempt, previous).await?),
            Auth::Signed => self.signed(request, outgoing, attempt, previous).await?,
        };
        if let Some(cursor) = outgoing.cursor {
            request = request.header("X-Pagination-Cursor", cursor);
        }
        if !outgoing.body.is_empty() {
            request = request.header(CONTENT_TYPE, "application/json").body(outgoing.body.clone());
        }
        Ok(request)
    }

    /// `Authorization: Bearer`, with a new token when the previous one was refused.
    async fn bearer(
        &self,
        attempt: Attempt,
        previous: &Previous,
    ) -> Result<partner_core::http::reqwest::header::HeaderValue, Error> {
        let tokens = self.shared.oauth2.as_ref().ok_or(Error::malformed("no service account"))?;
        let refused = if attempt.refresh { lock(&previous.token).take() } else { None };
        if let Some(refused) = refused {
            tokens.invalidate(&refused).await;
        }
        let token = tokens.token().await?;
        let value = bearer(&token.secret)?;
        *lock(&previous.token) = Some(token);
        Ok(value)
    }

    /// The application key, the consumer key and a fresh signature, at
    /// the server's time; the delta fetched again when the previous
    /// attempt's signature or timestamp was refused.
    async fn signed(
        &self,
        request: RequestBuilder,
        outgoing: &Outgoing<'_>,
        attempt: Attempt,
        previous: &Previous,
    ) -> Result<RequestBuilder, Error> {
        let shared = &*self.shared;
        let (Some(ck), Some(signer)) = (&self.consumer_key, &self.signer) else {
            return Err(Error::malformed("no consumer key to sign with"));
        };
        let delta = if attempt.refresh {
            let seen = *lock(&previous.delta);
            self.resync(seen).await?
        } else {
            self.time_delta().await?
        };
        *lock(&previous.delta) = Some(delta);
        let now = self.server_time(delta);
        let signed = SignedRequest {
            method: outgoing.method.as_str(),
            url: outgoing.url.as_str(),
            body: &outgoing.body,
        };
        let signature = signer.sign(&signed, now);
        Ok(request
            .header("X-Ovh-Application", &shared.application_key)
            .header("X-Ovh-Consumer", sensitive(ck.secret())?)
            .header("X-Ovh-Timestamp", now.as_secs().to_string())
            .header("X-Ovh-Signature", signature.as_str()))
    }
}

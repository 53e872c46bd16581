//! Serving connections within limits: how many at once, how long a client
//! may take to send its headers or sit idle, how long one request may take.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long a stopping server waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Pause after a failed `accept` (for example out of file descriptors), so
/// the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The limits a fake keeps whatever its clients do.
///
/// ```
/// use std::time::Duration;
/// use partner_core::server::ServerLimits;
///
/// let limits = ServerLimits::default().with_max_connections(64);
/// assert_eq!(limits.max_connections(), 64);
/// assert_eq!(limits.header_read_timeout(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLimits {
    max_connections: usize,
    header_read_timeout: Duration,
    request_timeout: Duration,
}

impl Default for ServerLimits {
    /// 256 connections, 5 s to send the request headers (and 5 s idle
    /// between requests on a kept-alive connection), 30 s per request.
    fn default() -> Self {
        ServerLimits {
            max_connections: 256,
            header_read_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl ServerLimits {
    /// Connections served at once; further clients wait in the kernel's
    /// accept queue until one closes (at least 1).
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Time a client has to send a request's headers, counted from the
    /// moment the server waits for them. It is also the keep-alive idle
    /// timeout: a connection that starts no new request within it is closed.
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Time one request may take once its headers are in, reading its body
    /// included; past it the answer is `408 Request Timeout`.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// See [`with_max_connections`](Self::with_max_connections).
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// See [`with_header_read_timeout`](Self::with_header_read_timeout).
    pub fn header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// See [`with_request_timeout`](Self::with_request_timeout).
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
}

/// `router` with the per-request timeout and the request log.
pub(super) fn guarded(router: Router, limits: ServerLimits) -> Router {
    router.layer(middleware::from_fn_with_state(limits.request_timeout, guard))
}

async fn guard(State(timeout): State<Duration>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "request timeout\n").into_response(),
    };
    tracing::info!(%method, path, status = response.status().as_u16(), "request");
    response
}

/// Accepts connections until `stop` resolves, at most
/// `limits.max_connections` at a time, then lets requests in flight finish
/// (up to a few seconds).
pub(super) async fn serve_connections(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    stop: Pin<Box<dyn Future<Output = ()> + Send>>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let mut stop = stop;
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.map_err(io::Error::other)?,
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    tracing::debug!(error = %err, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(router.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection closed");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::Router;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::ServerLimits;
    use crate::server::LoopbackServer;

    async fn server(limits: ServerLimits) -> LoopbackServer {
        let router = Router::new()
            .route("/", get(|| async { "ok" }))
            .route("/slow", get(|| async { std::future::pending::<&str>().await }));
        let listener = LoopbackServer::bind(0).await.unwrap();
        LoopbackServer::start(listener, router, limits).unwrap()
    }

    /// Reads until the peer closes; the bytes read. Panics if the peer
    /// has not closed within 60 s (of paused time).
    async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
        let mut out = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut out)).await;
        assert!(read.is_ok(), "the server did not close the connection");
        out
    }

    // Paused time: the server's timers fire as soon as every task waits, so
    // these tests take no wall-clock time and never sleep.
    #[tokio::test(start_paused = true)]
    async fn a_slow_header_connection_is_closed() {
        let server = server(ServerLimits::default()).await;
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        let started = tokio::time::Instant::now();
        let answer = read_to_close(&mut stream).await;
        assert!(!answer.starts_with(b"HTTP/1.1 200"), "no answer to an unfinished request");
        assert!(started.elapsed() <= Duration::from_secs(6), "closed by the header timeout");
        assert!(started.elapsed() >= Duration::from_secs(5), "not before the timeout");
        server.shutdown().await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_keep_alive_connection_is_closed() {
        let server = server(ServerLimits::default()).await;
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let started = tokio::time::Instant::now();
        let answer = String::from_utf8(read_to_close(&mut stream).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("ok"), "one answer, then the close: {answer}");
        assert!(started.elapsed() <= Duration::from_secs(6));
        server.shutdown().await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_takes_too_long_is_answered_408() {
        let server = server(ServerLimits::default()).await;
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream
            .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = String::from_utf8(read_to_close(&mut stream).await).unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        server.shutdown().await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn connections_beyond_the_limit_wait_for_a_free_one() {
        let server = server(ServerLimits::default().with_max_connections(1)).await;
        let mut first = TcpStream::connect(server.addr()).await.unwrap();
        first.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 12];
        first.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
        // The second connection is queued by the kernel, not served, while
        // the first is open: its request gets no answer within 1 s.
        let mut second = TcpStream::connect(server.addr()).await.unwrap();
        second.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let early = tokio::time::timeout(Duration::from_secs(1), second.read(&mut buf)).await;
        assert!(early.is_err(), "served beyond the limit");
        drop(first);
        let answer = String::from_utf8(read_to_close(&mut second).await).unwrap();
        assert!(answer.contains("HTTP/1.1 200"), "served once a slot is free: {answer}");
        server.shutdown().await.unwrap();
    }
}

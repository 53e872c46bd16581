//! The lifecycle of a server on 127.0.0.1: bind, serve, stop.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server on 127.0.0.1. Dropping it asks the server to stop;
/// [`shutdown`](Self::shutdown) also waits for it.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use partner_core::server::LoopbackServer;
///
/// let listener = LoopbackServer::bind(0).await.unwrap();
/// let server = LoopbackServer::serve(listener, |listener, stop| async move {
///     // A real fake calls axum::serve(listener, router).with_graceful_shutdown(stop).await
///     drop(listener);
///     stop.await;
///     Ok(())
/// })
/// .unwrap();
/// assert!(server.addr().ip().is_loopback());
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// server.shutdown().await.unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct LoopbackServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl LoopbackServer {
    /// Binds `127.0.0.1:port` (0 picks a free port).
    pub async fn bind(port: u16) -> io::Result<TcpListener> {
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await
    }

    /// Runs `serve(listener, stop)` on the runtime; `stop` resolves when the
    /// server should stop.
    pub fn serve<F, Fut>(listener: TcpListener, serve: F) -> io::Result<Self>
    where
        F: FnOnce(TcpListener, std::pin::Pin<Box<dyn Future<Output = ()> + Send>>) -> Fut,
        Fut: Future<Output = io::Result<()>> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "fakes listen on loopback only",
            ));
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let signal = Box::pin(async move {
            let _ = stopped.await;
        });
        let task = tokio::spawn(serve(listener, signal));
        Ok(LoopbackServer { addr, stop: Some(stop), task: Some(task) })
    }

    /// Serves `router` with the limits every fake keeps (see
    /// [`ServerLimits`](super::ServerLimits)): a bounded number of
    /// connections, a header-read and keep-alive idle timeout, a timeout on
    /// each request, and one log line per request (method, path, status;
    /// never the query, which may carry tokens).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use partner_core::server::{LoopbackServer, ServerLimits};
    ///
    /// let router = Router::new().route("/", get(|| async { "hello" }));
    /// let listener = LoopbackServer::bind(0).await.unwrap();
    /// let server = LoopbackServer::start(listener, router, ServerLimits::default()).unwrap();
    /// assert!(server.base_url().starts_with("http://127.0.0.1:"));
    /// server.shutdown().await.unwrap();
    /// # });
    /// ```
    pub fn start(
        listener: TcpListener,
        router: Router,
        limits: super::ServerLimits,
    ) -> io::Result<Self> {
        let router = super::connections::guarded(router, limits);
        Self::serve(listener, move |listener, stop| {
            super::connections::serve_connections(listener, router, limits, stop)
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for it; the server's own error, if any.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

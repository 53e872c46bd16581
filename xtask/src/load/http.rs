//! The smallest HTTP/1.1 client that keeps a connection alive: the load
//! generator must cost less CPU than the server it measures.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest response head or body the client reads.
const MAX_RESPONSE: usize = 1 << 20;

/// A request of the workload.
#[derive(Debug, Clone)]
pub struct Request {
    /// What it exercises, for the report (`token`, `abuse-1MiB`, ...).
    pub kind: &'static str,
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// Path and query.
    pub target: String,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
    /// The body (a `Content-Length` is sent when it is not empty).
    pub body: Vec<u8>,
    /// The statuses that count as the expected answer; 0 stands for the
    /// server closing the connection before answering.
    pub expect: &'static [u16],
}

impl Request {
    /// A GET of `target`.
    pub fn get(kind: &'static str, target: impl Into<String>, expect: &'static [u16]) -> Self {
        Request {
            kind,
            method: "GET",
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
            expect,
        }
    }

    /// A POST of a body of `content_type`.
    pub fn post(
        kind: &'static str,
        target: impl Into<String>,
        content_type: &str,
        body: impl Into<Vec<u8>>,
        expect: &'static [u16],
    ) -> Self {
        Request {
            kind,
            method: "POST",
            target: target.into(),
            headers: vec![("content-type", content_type.to_owned())],
            body: body.into(),
            expect,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn encode(&self, host: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.body.len());
        out.extend_from_slice(
            format!("{} {} HTTP/1.1\r\nhost: {host}\r\n", self.method, self.target).as_bytes(),
        );
        for (name, value) in &self.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        if !self.body.is_empty() || self.method == "POST" {
            out.extend_from_slice(format!("content-length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// A response: status, `Location`, body.
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// Whether the server asked to close the connection.
    pub close: bool,
}

/// One kept-alive connection, reopened when the server closes it.
#[derive(Debug)]
pub struct Connection {
    addr: SocketAddr,
    host: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Connection {
    /// A connection to `addr` (opened on the first request).
    pub fn new(addr: SocketAddr) -> Self {
        Connection { addr, host: addr.to_string(), stream: None, buf: Vec::with_capacity(8192) }
    }

    /// Sends `request`, reads the answer. A connection the server closed
    /// before answering is reopened once.
    pub async fn send(&mut self, request: &Request) -> io::Result<Response> {
        let bytes = request.encode(&self.host);
        match self.try_send(&bytes).await {
            Ok(r) => Ok(r),
            Err(_) => {
                self.stream = None;
                self.try_send(&bytes).await
            }
        }
    }

    async fn try_send(&mut self, bytes: &[u8]) -> io::Result<Response> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.buf.clear();
        }
        let stream = self.stream.as_mut().ok_or_else(|| io::Error::other("no stream"))?;
        stream.write_all(bytes).await?;
        let response = read_response(stream, &mut self.buf).await;
        match &response {
            Ok(r) if !r.close => {}
            _ => self.stream = None,
        }
        response
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<()> {
    let mut chunk = [0u8; 16384];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed by the server"));
    }
    buf.extend_from_slice(&chunk[..n]);
    if buf.len() > 2 * MAX_RESPONSE {
        return Err(io::Error::other("response too large"));
    }
    Ok(())
}

async fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<Response> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        fill(stream, buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other("bad status line"))?;
    let mut response = Response { status, ..Response::default() };
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "location" => response.location = Some(value.to_owned()),
            "connection" => response.close = value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    buf.drain(..head_end);
    if chunked {
        loop {
            let line_end = loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                fill(stream, buf).await?;
            };
            let size = usize::from_str_radix(String::from_utf8_lossy(&buf[..line_end]).trim(), 16)
                .map_err(|_| io::Error::other("bad chunk size"))?;
            while buf.len() < line_end + 2 + size + 2 {
                fill(stream, buf).await?;
            }
            response.body.extend_from_slice(&buf[line_end + 2..line_end + 2 + size]);
            buf.drain(..line_end + 2 + size + 2);
            if size == 0 {
                break;
            }
        }
    } else {
        let length = length.unwrap_or(0).min(MAX_RESPONSE);
        while buf.len() < length {
            fill(stream, buf).await?;
        }
        response.body = buf.drain(..length).collect();
    }
    Ok(response)
}

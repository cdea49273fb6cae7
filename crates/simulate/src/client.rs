//! A small HTTP/1.1 keep-alive client for load generation, and a Server-Sent Events reader.
//!
//! The load generator shares the machine's cores with the service it measures, so every
//! microsecond it spends is taken from the server. A general client (reqwest over hyper) costs
//! several times what this one does per request; this one writes a preformatted request and
//! reads the reply into a reused buffer, which keeps the server the thing being measured. It
//! speaks only what our own server answers on loopback: `Content-Length` or chunked bodies.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A keep-alive connection to one address that reconnects when the server has closed it.
pub struct Conn {
    addr: SocketAddr,
    io: Option<BufReader<TcpStream>>,
    request: Vec<u8>,
    line: String,
    body: Vec<u8>,
    last_used: Instant,
}

/// A reply: the status and the body, borrowed from the connection until the next request.
#[derive(Debug)]
pub struct Reply<'a> {
    pub status: u16,
    pub body: &'a [u8],
}

/// Idle keep-alive connections are closed by the server after 5 s; reconnect before that.
const IDLE_RECONNECT: Duration = Duration::from_secs(4);

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            io: None,
            request: Vec::with_capacity(512),
            line: String::with_capacity(128),
            body: Vec::new(),
            last_used: Instant::now(),
        }
    }

    pub async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> io::Result<Reply<'_>> {
        self.send("GET", path, headers, None).await
    }

    pub async fn post_json(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Reply<'_>> {
        self.send("POST", path, headers, Some(body)).await
    }

    /// Sends one request and reads its reply. A request on a reused connection that the server
    /// had already closed is sent once more on a new one: every request this client sends is
    /// safe to repeat (reads, and writes that carry a client key).
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<Reply<'_>> {
        format_request(&mut self.request, method, path, headers, body);
        if self.last_used.elapsed() > IDLE_RECONNECT {
            self.io = None;
        }
        let mut retried = false;
        let status = loop {
            let reused = self.io.is_some();
            if !reused {
                let stream = TcpStream::connect(self.addr).await?;
                stream.set_nodelay(true)?;
                self.io = Some(BufReader::with_capacity(16 * 1024, stream));
            }
            match self.exchange().await {
                Ok(status) => break status,
                Err(error) => {
                    self.io = None;
                    if !reused || retried {
                        return Err(error);
                    }
                    retried = true;
                }
            }
        };
        self.last_used = Instant::now();
        Ok(Reply { status, body: &self.body })
    }

    async fn exchange(&mut self) -> io::Result<u16> {
        let Self { io, request, line, body, .. } = self;
        let Some(reader) = io.as_mut() else { return Err(io::ErrorKind::NotConnected.into()) };
        reader.get_mut().write_all(request).await?;
        let head = read_head(reader, line).await?;
        body.clear();
        match head.framing {
            Framing::Length(n) => {
                body.resize(n, 0);
                reader.read_exact(body).await?;
            }
            Framing::Chunked => {
                while let Some(size) = read_chunk_size(reader, line).await? {
                    let start = body.len();
                    body.resize(start + size, 0);
                    reader.read_exact(&mut body[start..]).await?;
                }
                // The chunked body ends with an empty line after the last (empty) chunk.
                read_line(reader, line).await?;
            }
            Framing::UntilClose => {
                reader.read_to_end(body).await?;
            }
        }
        if head.close || head.framing == Framing::UntilClose {
            *io = None;
        }
        Ok(head.status)
    }
}

fn format_request(
    out: &mut Vec<u8>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) {
    use std::io::Write;
    out.clear();
    let _ = write!(out, "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    for (name, value) in headers {
        let _ = write!(out, "{name}: {value}\r\n");
    }
    if let Some(body) = body {
        let _ = write!(out, "content-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len());
        out.extend_from_slice(body);
    } else {
        out.extend_from_slice(b"\r\n");
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

#[derive(Debug)]
struct Head {
    status: u16,
    framing: Framing,
    close: bool,
}

async fn read_line(reader: &mut BufReader<TcpStream>, line: &mut String) -> io::Result<()> {
    line.clear();
    if reader.read_line(line).await? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
    }
    Ok(())
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// The status line and the headers that matter for framing.
async fn read_head(reader: &mut BufReader<TcpStream>, line: &mut String) -> io::Result<Head> {
    read_line(reader, line).await?;
    let status = parse_status_line(line).ok_or_else(|| invalid("not an HTTP/1.1 status line"))?;
    let mut framing = match status {
        // No body, whatever the headers say.
        100..=199 | 204 | 304 => Some(Framing::Length(0)),
        _ => None,
    };
    let mut close = false;
    loop {
        read_line(reader, line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(invalid("a header without a colon"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") && framing.is_none() {
            framing = Some(Framing::Length(value.parse().map_err(|_| invalid("content-length"))?));
        } else if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            framing = Some(Framing::Chunked);
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            close = true;
        }
    }
    Ok(Head { status, framing: framing.unwrap_or(Framing::UntilClose), close })
}

fn parse_status_line(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("HTTP/1.")?;
    let code = rest.get(2..5)?;
    code.parse().ok().filter(|c| (100..600).contains(c))
}

/// The next chunk's size, or `None` at the last chunk. Skips the line ending of the previous
/// chunk's data.
async fn read_chunk_size(reader: &mut BufReader<TcpStream>, line: &mut String) -> io::Result<Option<usize>> {
    read_line(reader, line).await?;
    if line.trim().is_empty() {
        read_line(reader, line).await?;
    }
    let hex = line.trim().split(';').next().unwrap_or_default();
    let size = usize::from_str_radix(hex, 16).map_err(|_| invalid("chunk size"))?;
    Ok((size > 0).then_some(size))
}

/// One Server-Sent Event: its id and its data lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: Option<String>,
    pub data: String,
}

/// A live `text/event-stream` reply, read event by event.
pub struct EventStream {
    reader: BufReader<TcpStream>,
    line: String,
    chunked: bool,
    /// Bytes left in the current chunk.
    left: usize,
    pending: Vec<u8>,
}

impl EventStream {
    /// Sends `GET path` and reads the reply's head; fails unless the answer is 200.
    pub async fn open(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let mut reader = BufReader::new(stream);
        let mut request = Vec::new();
        format_request(&mut request, "GET", path, headers, None);
        reader.get_mut().write_all(&request).await?;
        let mut line = String::new();
        let head = read_head(&mut reader, &mut line).await?;
        if head.status != 200 {
            return Err(invalid(&format!("the stream answered {}", head.status)));
        }
        Ok(Self { reader, line, chunked: head.framing == Framing::Chunked, left: 0, pending: Vec::new() })
    }

    /// The next event with data (comments, `retry:` and empty events are skipped); `None` when
    /// the server ends the stream.
    pub async fn next_event(&mut self) -> io::Result<Option<Event>> {
        loop {
            if let Some(end) = find(&self.pending, b"\n\n") {
                let block: Vec<u8> = self.pending.drain(..end + 2).collect();
                if let Some(event) = parse_event(&String::from_utf8_lossy(&block)) {
                    return Ok(Some(event));
                }
                continue;
            }
            if !self.read_more().await? {
                return Ok(None);
            }
        }
    }

    /// Appends decoded body bytes to `pending`; false at the end of the stream.
    async fn read_more(&mut self) -> io::Result<bool> {
        if self.chunked && self.left == 0 {
            match read_chunk_size(&mut self.reader, &mut self.line).await? {
                Some(size) => self.left = size,
                None => return Ok(false),
            }
        }
        let mut buf = [0u8; 8192];
        let want = if self.chunked { self.left.min(buf.len()) } else { buf.len() };
        let got = self.reader.read(&mut buf[..want]).await?;
        if got == 0 {
            return Ok(false);
        }
        if self.chunked {
            self.left -= got;
        }
        self.pending.extend_from_slice(&buf[..got]);
        Ok(true)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_event(block: &str) -> Option<Event> {
    let mut id = None;
    let mut data: Option<String> = None;
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("id:") {
            id = Some(value.trim_start().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => data = Some(value.to_owned()),
            }
        }
    }
    data.map(|data| Event { id, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_read_and_garbage_is_not() {
        assert_eq!(parse_status_line("HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(parse_status_line("HTTP/1.1 409 Conflict\r\n"), Some(409));
        assert_eq!(parse_status_line("HTTP/1.0 503 x"), Some(503));
        assert_eq!(parse_status_line("SSH-2.0"), None);
        assert_eq!(parse_status_line("HTTP/1.1 999 x"), None);
    }

    #[test]
    fn requests_carry_their_headers_and_body_length() {
        let mut out = Vec::new();
        format_request(&mut out, "POST", "/portal/v1/sales", &[("authorization", "Bearer t")], Some(b"{}"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /portal/v1/sales HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer t\r\n\
             content-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
        );
    }

    #[test]
    fn events_keep_their_id_and_data_and_skip_comments() {
        assert_eq!(
            parse_event("id: 42\nevent: store\ndata: {\"code\":\"1\"}\n\n"),
            Some(Event { id: Some("42".into()), data: "{\"code\":\"1\"}".into() })
        );
        assert_eq!(parse_event(": keep-alive\n\n"), None);
        assert_eq!(parse_event("retry: 2000\n\n"), None);
    }

    /// A tiny server that answers with fixed bytes, to exercise framing end to end.
    async fn serve_once(reply: &'static [u8]) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            socket.write_all(reply).await.unwrap();
            // Hold the connection open briefly, as a keep-alive server would.
            tokio::time::sleep(Duration::from_millis(200)).await;
        });
        addr
    }

    #[tokio::test]
    async fn length_and_chunked_bodies_are_read_whole() {
        let addr = serve_once(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello").await;
        let mut conn = Conn::new(addr);
        let reply = conn.get("/", &[]).await.unwrap();
        assert_eq!((reply.status, reply.body), (200, &b"hello"[..]));

        let addr = serve_once(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .await;
        let mut conn = Conn::new(addr);
        let reply = conn.post_json("/", &[], b"{}").await.unwrap();
        assert_eq!((reply.status, reply.body), (201, &b"abcde"[..]));
    }

    #[tokio::test]
    async fn an_event_stream_yields_events_across_chunks() {
        let addr = serve_once(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\
              d\r\nretry: 2000\n\n\r\n\
              d\r\nid: 7\ndata: {\r\n\
              3\r\n}\n\n\r\n\
              0\r\n\r\n",
        )
        .await;
        let mut stream = EventStream::open(addr, "/v2/stream", &[]).await.unwrap();
        let event = stream.next_event().await.unwrap();
        assert_eq!(event, Some(Event { id: Some("7".into()), data: "{}".into() }));
        assert_eq!(stream.next_event().await.unwrap(), None);
    }
}

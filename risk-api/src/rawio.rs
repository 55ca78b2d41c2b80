//! Problem documents for the requests hyper refuses before any handler runs.
//!
//! A request hyper cannot parse — a malformed request line, a NUL or another byte not allowed in
//! a header, an unknown HTTP version, a URI or header block too long — is answered by hyper
//! itself: a status line (400, 414 or 431), `content-length: 0` and no body, and the connection
//! is closed. Every other error of this service is RFC 9457 problem+json, so a client's error
//! handling would meet an empty body only here. [`ProblemIo`] wraps a connection's socket,
//! recognises that response as hyper writes it (one of those statuses with an empty body — the
//! service itself never answers an error without a problem document) and writes a problem
//! document in its place.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose writes pass through unchanged, except hyper's own bodiless error responses,
/// which are replaced by a problem document with the same status.
pub struct ProblemIo<T> {
    inner: T,
    /// A replacement still being written, and how much of it has been.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> ProblemIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        ProblemIo {
            inner,
            pending: None,
        }
    }
}

/// The response to write instead of `head`, when `head` is a complete bodiless 400, 414 or 431
/// response head (what hyper writes for a request it could not parse); `None` otherwise.
pub fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let (status, title, detail) = if head.starts_with(b"HTTP/1.1 400 ") {
        (
            400,
            "Bad Request",
            "the request is not valid HTTP/1.1: its request line or a header is malformed \
             (for example a control character in a header value)",
        )
    } else if head.starts_with(b"HTTP/1.1 414 ") {
        (414, "URI Too Long", "the request target is too long")
    } else if head.starts_with(b"HTTP/1.1 431 ") {
        (
            431,
            "Request Header Fields Too Large",
            "the request's header block is too large",
        )
    } else {
        return None;
    };
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    // The head alone (no body follows it in this write), announcing no body.
    if end + 4 != head.len() {
        return None;
    }
    let text = std::str::from_utf8(&head[..end]).ok()?;
    let bodiless = text.lines().skip(1).any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.eq_ignore_ascii_case("content-length") && value.trim() == "0"
        })
    });
    if !bodiless {
        return None;
    }
    let body = serde_json::json!({
        "type": "about:blank",
        "status": status,
        "title": title,
        "detail": detail,
    })
    .to_string();
    let mut out = format!(
        "HTTP/1.1 {status} {title}\r\ncontent-type: {}\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n",
        crate::problem::PROBLEM_JSON,
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    Some(out)
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes what is left of a replacement; Ready once nothing is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, done)) = &mut self.pending {
            if *done == bytes.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.drain(cx))?;
        if let Some(bytes) = replacement(buf) {
            // The caller's bytes are taken whole; the replacement goes out now or with the next
            // write, flush or shutdown.
            this.pending = Some((bytes, 0));
            if let Poll::Ready(Err(e)) = this.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    /// Vectored writes pass through as vectored writes (hyper would otherwise flatten every
    /// response into one buffer); a write of a single non-empty slice is inspected as
    /// [`AsyncWrite::poll_write`] inspects its buffer (hyper writes a bodiless head whole).
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.drain(cx))?;
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next())
            && let Some(bytes) = replacement(only)
        {
            this.pending = Some((bytes, 0));
            if let Poll::Ready(Err(e)) = this.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(only.len()));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::{ProblemIo, replacement};
    use tokio::io::{AsyncWrite, AsyncWriteExt};

    /// Vectored writes stay vectored through the wrapper, and a bodiless parse-error head
    /// written as one slice among empty ones is still replaced.
    #[tokio::test]
    async fn vectored_writes_pass_through_and_are_inspected() {
        let (client, mut server) = tokio::io::duplex(1 << 16);
        let mut io = ProblemIo::new(client);
        assert_eq!(
            io.is_write_vectored(),
            tokio::io::duplex(8).0.is_write_vectored()
        );
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n";
        let slices = [std::io::IoSlice::new(head), std::io::IoSlice::new(b"{}")];
        let whole = [&head[..], b"{}"].concat();
        let n = io.write_vectored(&slices).await.unwrap();
        assert!(n > 0);
        io.write_all(&whole[n..]).await.unwrap();
        let bad = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        let parts = [std::io::IoSlice::new(b""), std::io::IoSlice::new(bad)];
        assert_eq!(io.write_vectored(&parts).await.unwrap(), bad.len());
        io.shutdown().await.unwrap();
        let mut out = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut server, &mut out)
            .await
            .unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        let (_, rest) = out.split_once("{}").unwrap();
        assert!(rest.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{rest}");
        assert!(rest.contains("application/problem+json"), "{rest}");
    }

    #[test]
    fn only_bodiless_parse_error_heads_are_replaced() {
        let head = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Sun, 06 Dec 2026 \
                     21:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(replacement(head).unwrap()).unwrap();
        let (h, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(h.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{h}");
        assert!(h.contains("content-type: application/problem+json"), "{h}");
        assert!(
            h.contains(&format!("content-length: {}", body.len())),
            "{h}"
        );
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 400);
        assert_eq!(v["title"], "Bad Request");
        for (status, title) in [
            (414, "URI Too Long"),
            (431, "Request Header Fields Too Large"),
        ] {
            let head = format!("HTTP/1.1 {status} {title}\r\ncontent-length: 0\r\n\r\n");
            let out = String::from_utf8(replacement(head.as_bytes()).unwrap()).unwrap();
            assert!(out.contains(&format!("\"status\":{status}")), "{out}");
        }
        // The service's own responses pass unchanged: a problem document, a success, a head
        // with its body in the same write, a head without content-length 0.
        for kept in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 2\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
        ] {
            assert!(
                replacement(kept).is_none(),
                "{}",
                String::from_utf8_lossy(kept)
            );
        }
    }
}

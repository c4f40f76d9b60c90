//! A raw HTTP stand-in on 127.0.0.1 that writes whatever bytes a test
//! gives it (headers HTTP stacks refuse, endless bodies), and stops by
//! itself when dropped or after five minutes.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the stand-in sends back to a request.
pub enum Answer {
    /// These bytes (a whole answer, head and body), then the connection
    /// stays open for the next request.
    Bytes(Vec<u8>),
    /// A `200` JSON answer of `len` bytes declared by Content-Length,
    /// written 64 KiB at a time without holding it, until the client hangs up.
    Huge(u64),
}

/// A running stand-in; it stops when dropped.
pub struct StandIn {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a stand-in answering each request (its head as text) with `answer`.
pub async fn start(answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(answer);
    let task = tokio::spawn(async move {
        let serve = async {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        // Read one request head (bodies are not expected).
                        let end = loop {
                            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                                break i + 4;
                            }
                            let mut chunk = [0u8; 4096];
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end);
                        match answer(&head) {
                            Answer::Bytes(bytes) => {
                                if socket.write_all(&bytes).await.is_err() {
                                    return;
                                }
                            }
                            Answer::Huge(len) => {
                                let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n");
                                if socket.write_all(head.as_bytes()).await.is_err() {
                                    return;
                                }
                                let mut chunk = vec![b' '; 64 * 1024];
                                chunk[0] = b'{';
                                let mut sent = 0u64;
                                while sent < len {
                                    let n = (len - sent).min(chunk.len() as u64) as usize;
                                    if socket.write_all(&chunk[..n]).await.is_err() {
                                        return;
                                    }
                                    chunk[0] = b' ';
                                    sent += n as u64;
                                }
                            }
                        }
                    }
                });
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(300), serve).await;
    });
    StandIn { url, task }
}

/// An answer with `status`, these extra header lines and a JSON body.
pub fn answer(status: &str, headers: &[&[u8]], body: &str) -> Answer {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for h in headers {
        bytes.extend_from_slice(h);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(body.as_bytes());
    Answer::Bytes(bytes)
}

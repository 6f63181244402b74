//! A tiny HTTP proxy in front of the S3 server that can be told to answer every request with
//! `500 Internal Server Error` (reading the request first, as a failing server would).
//! Connections piped while healthy are cut when it starts failing, so a kept-alive connection
//! cannot slip past the fault.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

pub struct FailingProxy {
    pub port: u16,
    failing: Arc<AtomicBool>,
    /// Requests answered 500.
    pub failed: Arc<AtomicU64>,
    piped: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl FailingProxy {
    pub async fn start(upstream: u16) -> FailingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let failing = Arc::new(AtomicBool::new(false));
        let failed = Arc::new(AtomicU64::new(0));
        let piped: Arc<Mutex<Vec<JoinHandle<()>>>> = Default::default();
        let (f, n, p) = (failing.clone(), failed.clone(), piped.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if f.load(Ordering::SeqCst) {
                    let n = n.clone();
                    tokio::spawn(async move { answer_500(client, n).await });
                } else {
                    let handle = tokio::spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await {
                            let mut client = client;
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                    let mut p = p.lock().await;
                    p.retain(|h| !h.is_finished());
                    p.push(handle);
                }
            }
        });
        FailingProxy {
            port,
            failing,
            failed,
            piped,
            accept,
        }
    }

    /// From now on every request is answered 500 (open connections are cut).
    pub async fn fail(&self) {
        self.failing.store(true, Ordering::SeqCst);
        for h in self.piped.lock().await.drain(..) {
            h.abort();
        }
    }

    pub fn heal(&self) {
        self.failing.store(false, Ordering::SeqCst);
    }
}

impl Drop for FailingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Reads requests on a connection (head and `Content-Length` body) and answers each with 500.
async fn answer_500(mut client: TcpStream, failed: Arc<AtomicU64>) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            match client.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 65536];
            match client.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        failed.fetch_add(1, Ordering::Relaxed);
        let body = "<Error><Code>InternalError</Code><Message>injected</Message></Error>";
        let answer = format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if client.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

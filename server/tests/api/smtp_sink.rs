//! A small SMTP server in the test process: real SMTP over TCP (EHLO, MAIL, RCPT, DATA,
//! QUIT), keeping every message it accepted. Dropping it closes the port.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    /// The message as sent after DATA, dot-unstuffed.
    pub data: String,
}

impl Received {
    /// The message with quoted-printable soft breaks and escapes undone.
    pub fn decoded(&self) -> String {
        decode_qp(&self.data)
    }

    pub fn subject(&self) -> String {
        self.data
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_string()
    }
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    logins: Arc<Mutex<Vec<(String, String)>>>,
    task: JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("SMTP sink binds");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let logins = Arc::new(Mutex::new(Vec::new()));
        let (store, login_store) = (Arc::clone(&received), Arc::clone(&logins));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (store, login_store) = (Arc::clone(&store), Arc::clone(&login_store));
                tokio::spawn(async move {
                    let _ = session(stream, store, login_store).await;
                });
            }
        });
        Self {
            port,
            received,
            logins,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// (user, password) of every `AUTH PLAIN` the sink accepted.
    pub fn logins(&self) -> Vec<(String, String)> {
        self.logins.lock().unwrap().clone()
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Messages whose subject contains `subject`, once there are `n` of them.
    pub async fn wait_for(
        &self,
        subject: &str,
        n: usize,
        app: &crate::helpers::TestApp,
    ) -> Vec<Received> {
        let what = format!("{n} messages about {subject:?} at the SMTP sink");
        spse_testkit::eventually(&what, || async {
            let messages = self.messages();
            let found: Vec<_> = messages
                .iter()
                .filter(|m| m.subject().contains(subject))
                .cloned()
                .collect();
            if found.len() >= n {
                return Ok(found);
            }
            app.auth.wake_mail_worker();
            Err(messages.iter().map(Received::subject).collect::<Vec<_>>())
        })
        .await
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Received>>>,
    logins: Arc<Mutex<Vec<(String, String)>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            write
                .write_all(b"250-sink.test\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if command.starts_with("AUTH PLAIN ") {
            let decoded = base64_decode(line.trim_end()[11..].trim());
            let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
            if let [_, user, password] = parts.as_slice() {
                logins.lock().unwrap().push((
                    String::from_utf8_lossy(user).into_owned(),
                    String::from_utf8_lossy(password).into_owned(),
                ));
                write.write_all(b"235 2.7.0 accepted\r\n").await?;
            } else {
                write.write_all(b"535 5.7.8 bad credentials\r\n").await?;
            }
        } else if command.starts_with("HELO") || command.starts_with("MAIL FROM") {
            write.write_all(b"250 OK\r\n").await?;
        } else if command.starts_with("RCPT TO") {
            to.push(line.trim_end()[8..].trim().to_string());
            write.write_all(b"250 OK\r\n").await?;
        } else if command == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            store.lock().unwrap().push(Received {
                to: std::mem::take(&mut to),
                data,
            });
            write.write_all(b"250 queued\r\n").await?;
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if command == "RSET" || command == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else {
            write.write_all(b"502 not here\r\n").await?;
        }
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Undoes quoted-printable: soft line breaks and `=XX` escapes.
pub fn decode_qp(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The reset link in a mail: the first `http…/user/resettotp?…` up to a space or quote,
/// from the plain-text part as sent (7bit), or else after undoing quoted-printable.
pub fn reset_link(mail: &str) -> String {
    link_in(mail, "/user/resettotp?")
}

/// The absolute link in `mail` whose path starts with `marker`.
pub fn link_in(mail: &str, marker: &str) -> String {
    let decoded = if mail.contains(marker) {
        mail.to_string()
    } else {
        decode_qp(mail)
    };
    let at = decoded
        .find(marker)
        .unwrap_or_else(|| panic!("a {marker} link in the mail"));
    let start = decoded[..at].rfind("http").expect("an absolute link");
    let end = decoded[start..]
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .map_or(decoded.len(), |e| start + e);
    decoded[start..end].to_string()
}

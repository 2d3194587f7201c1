//! A new visitor's password step, written by hand on one connection: the same requests
//! a browser (and the bench's reqwest browser) sends, at a fraction of the client's CPU.
//! The bench shares the two cores with the server, so whatever the client spends is
//! missing from the server's side of the password step's share of the raw argon2id
//! rate; reqwest spent about 0.55 ms per login (its cookie store, URL parsing, pool),
//! a sixth of what is not hashing.
//!
//! It speaks just enough HTTP/1.1 for our own pages: a response with `Content-Length`,
//! cookies set by name, `Location`, and the CSRF token of the page's form.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) spse-bench";

/// One visitor: a connection of its own, kept alive, and its cookies.
pub struct Visit {
    stream: TcpStream,
    host: String,
    cookies: BTreeMap<String, String>,
    csrf: String,
    buffer: Vec<u8>,
}

/// What a response said that the password step needs.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
}

impl Visit {
    pub async fn start(base: &str) -> anyhow::Result<Self> {
        let host = base.trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(&host).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            host,
            cookies: BTreeMap::new(),
            csrf: String::new(),
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Answer> {
        self.send("GET", path, None).await
    }

    /// Posts a form with the CSRF token of the last page, as the page would.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<Answer> {
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("csrf_token", &self.csrf);
            for (name, value) in fields {
                form.append_pair(name, value);
            }
            form.finish()
        };
        self.send("POST", path, Some(&body)).await
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> anyhow::Result<Answer> {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {AGENT}\r\nAccept: */*\r\n",
            self.host
        );
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            request.push_str(&format!("Cookie: {}\r\n", jar.join("; ")));
        }
        if let Some(body) = body {
            request.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ));
        } else {
            request.push_str("\r\n");
        }
        self.stream.write_all(request.as_bytes()).await?;
        self.read_answer().await
    }

    async fn read_answer(&mut self) -> anyhow::Result<Answer> {
        self.buffer.clear();
        let head = loop {
            if self.stream.read_buf(&mut self.buffer).await? == 0 {
                bail!("the server closed the connection mid-answer");
            }
            if let Some(head) = Head::parse(&self.buffer)? {
                break head;
            }
        };
        while self.buffer.len() < head.len + head.body {
            if self.stream.read_buf(&mut self.buffer).await? == 0 {
                bail!("the server closed the connection mid-body");
            }
        }
        for cookie in &head.cookies {
            self.keep_cookie(cookie);
        }
        if let Some(token) = csrf_of(&self.buffer[head.len..head.len + head.body]) {
            self.csrf = token;
        }
        Ok(Answer {
            status: head.status,
            location: head.location,
        })
    }

    /// `name=value; attributes`: a cookie kept, or dropped when it expires at once.
    fn keep_cookie(&mut self, header: &str) {
        let Some((name, rest)) = header.split_once('=') else {
            return;
        };
        let value = rest.split(';').next().unwrap_or("").to_string();
        if header.contains("Max-Age=0") || value.is_empty() {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_string(), value);
        }
    }
}

/// A response's head, once all of it has arrived.
struct Head {
    len: usize,
    status: u16,
    location: Option<String>,
    cookies: Vec<String>,
    body: usize,
}

impl Head {
    fn parse(buffer: &[u8]) -> anyhow::Result<Option<Self>> {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(len) = response.parse(buffer)? else {
            return Ok(None);
        };
        let mut head = Self {
            len,
            status: response.code.context("no status")?,
            location: None,
            cookies: Vec::new(),
            body: 0,
        };
        for header in response.headers.iter() {
            let value = std::str::from_utf8(header.value)?;
            match header.name.to_ascii_lowercase().as_str() {
                "set-cookie" => head.cookies.push(value.to_string()),
                "location" => head.location = Some(value.to_string()),
                "content-length" => head.body = value.parse()?,
                "transfer-encoding" => bail!("a chunked answer, which this client does not read"),
                _ => {}
            }
        }
        Ok(Some(head))
    }
}

/// The token of a page's form, as [`spse_testkit::Page::csrf`] finds it.
fn csrf_of(body: &[u8]) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = start + body[start..].find('"')?;
    Some(body[start..end].to_string())
}

//! A stand-in for spse-auth's authenticator API over real HTTP on a free port. It checks
//! signatures (with `spse_protocol::api::verify`), timestamps and nonces as the real
//! server does, answers with the same statuses and error bodies, and records what it
//! was sent so tests can see what the binary did.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde::Serialize;
use spse_protocol::TotpKey;
use spse_protocol::api::{
    self, APPROVALS_PATH, Decision, DecisionRequest, DecisionResponse, ENROLL_PATH, ENROLLING,
    EnrollRequest, EnrollResponse, ErrorCode, PendingApproval, PendingList,
};

/// The server's clock in every test: 15-11-2023 05:13:20 WIB.
pub const T: i64 = 1_700_000_000;

pub const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

/// A one-time token the server handed out in an activation QR code.
pub struct Token {
    pub token: String,
    pub account: String,
    pub secret: Vec<u8>,
}

pub struct Device {
    pub id: String,
    pub public_key: String,
    pub account: String,
    pub name: String,
    pub revoked: bool,
}

pub struct Approval {
    pub id: String,
    pub account: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub ip: String,
    pub user_agent: String,
    pub number: u32,
    pub decided: Option<Decision>,
}

#[derive(Default)]
pub struct State {
    pub clock: i64,
    /// Seconds the clock moves on after each request (to let an approval expire between
    /// the app's listing and its decision).
    pub tick: i64,
    pub tokens: Vec<Token>,
    pub devices: Vec<Device>,
    pub approvals: Vec<Approval>,
    pub enrolments: Vec<EnrollRequest>,
    pub decisions: Vec<(String, DecisionRequest)>,
    /// What the next decision gets instead of being judged.
    pub force_decision: Option<ErrorCode>,
    pub requests: usize,
    nonces: HashSet<String>,
}

pub struct TestServer {
    pub url: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            clock: T,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let state = state.clone();
                        std::thread::spawn(move || serve(stream, &state));
                    }
                }
            })
        };
        Self {
            url,
            state,
            stop,
            thread: Some(thread),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    pub fn issue_token(&self, token: &str, account: &str, secret: &[u8]) {
        self.state().tokens.push(Token {
            token: token.into(),
            account: account.into(),
            secret: secret.to_vec(),
        });
    }

    /// A login waiting for approval, as after the password step in the browser.
    pub fn login(&self, id: &str, account: &str, created_at: i64, number: u32, ip: &str) {
        self.state().approvals.push(Approval {
            id: id.into(),
            account: account.into(),
            created_at,
            expires_at: created_at + 120,
            ip: ip.into(),
            user_agent: CHROME.into(),
            number,
            decided: None,
        });
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A server address where nothing answers.
pub fn dead_server_url() -> String {
    format!("http://127.0.0.1:{}", spse_testkit::free_port())
}

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let (status, body) = {
        let mut state = state.lock().unwrap();
        state.requests += 1;
        let answer = handle(&mut state, &request);
        state.clock += state.tick;
        answer
    };
    let reason = match status {
        200 => "OK",
        _ => "Error",
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap_or(0));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

type Answer = (u16, String);

fn ok<T: Serialize>(value: &T) -> Answer {
    (200, serde_json::to_string(value).unwrap())
}

/// Refuses as the server does: the status and body come from the protocol's one table.
fn refuse(error: ErrorCode) -> Answer {
    (
        error.status(),
        serde_json::to_string(&error.body()).unwrap(),
    )
}

fn handle(state: &mut State, request: &Request) -> Answer {
    let signed = (|| {
        Some((
            request.header(api::HEADER_DEVICE)?,
            request.header(api::HEADER_TIMESTAMP)?.parse::<i64>().ok()?,
            request.header(api::HEADER_NONCE)?,
            request.header(api::HEADER_SIGNATURE)?,
        ))
    })();
    let Some((device, timestamp, nonce, signature)) = signed else {
        return refuse(ErrorCode::BadSignature);
    };
    let enrolment = if device == ENROLLING {
        match serde_json::from_slice::<EnrollRequest>(&request.body) {
            Ok(enrolment) => Some(enrolment),
            Err(_) => return refuse(ErrorCode::BadRequest),
        }
    } else {
        None
    };
    let (public_key, account) = match &enrolment {
        Some(enrolment) => (enrolment.public_key.clone(), None),
        None => match state.devices.iter().find(|d| d.id == device && !d.revoked) {
            Some(d) => (d.public_key.clone(), Some(d.account.clone())),
            None => return refuse(ErrorCode::UnknownDevice),
        },
    };
    if api::verify(
        &public_key,
        &request.method,
        &request.path,
        timestamp,
        nonce,
        &request.body,
        signature,
    )
    .is_err()
    {
        return refuse(ErrorCode::BadSignature);
    }
    if (timestamp - state.clock).abs() > api::MAX_SKEW_SECONDS {
        return refuse(ErrorCode::ClockSkew);
    }
    if !state.nonces.insert(nonce.to_string()) {
        return refuse(ErrorCode::Replayed);
    }
    match (
        request.method.as_str(),
        request.path.as_str(),
        enrolment,
        account,
    ) {
        ("POST", ENROLL_PATH, Some(enrolment), None) => enroll(state, enrolment),
        ("GET", APPROVALS_PATH, None, Some(account)) => ok(&PendingList {
            approvals: state
                .approvals
                .iter()
                .filter(|a| a.account == account && a.decided.is_none())
                .filter(|a| a.expires_at > state.clock)
                .map(|a| PendingApproval {
                    id: a.id.clone(),
                    account: a.account.clone(),
                    created_at: a.created_at,
                    expires_at: a.expires_at,
                    ip: a.ip.clone(),
                    user_agent: a.user_agent.clone(),
                    purpose: Default::default(),
                })
                .collect(),
        }),
        ("POST", path, None, Some(account)) => {
            let id = path
                .strip_prefix(APPROVALS_PATH)
                .and_then(|rest| rest.strip_prefix('/'))
                .and_then(|rest| rest.strip_suffix("/decision"));
            match (id, serde_json::from_slice(&request.body)) {
                (Some(id), Ok(decision)) => decide(state, &account, id.to_string(), decision),
                _ => refuse(ErrorCode::BadRequest),
            }
        }
        _ => refuse(ErrorCode::NotFound),
    }
}

fn enroll(state: &mut State, enrolment: EnrollRequest) -> Answer {
    state.enrolments.push(enrolment.clone());
    let Some(index) = state.tokens.iter().position(|t| t.token == enrolment.token) else {
        return refuse(ErrorCode::InvalidToken);
    };
    let clock = u64::try_from(state.clock).unwrap();
    if TotpKey::new(state.tokens[index].secret.clone()).code_at(clock) != enrolment.code {
        return refuse(ErrorCode::WrongCode);
    }
    let token = state.tokens.remove(index);
    let id = format!("dev-{}", state.devices.len() + 1);
    state.devices.push(Device {
        id: id.clone(),
        public_key: enrolment.public_key,
        account: token.account.clone(),
        name: enrolment.device_name,
        revoked: false,
    });
    ok(&EnrollResponse {
        device_id: id,
        issuer: "LPSE".into(),
        account: token.account,
    })
}

fn decide(state: &mut State, account: &str, id: String, request: DecisionRequest) -> Answer {
    state.decisions.push((id.clone(), request.clone()));
    if let Some(code) = state.force_decision.take() {
        return refuse(code);
    }
    let clock = state.clock;
    let Some(approval) = state
        .approvals
        .iter_mut()
        .find(|a| a.id == id && a.account == account)
    else {
        return refuse(ErrorCode::NotFound);
    };
    if approval.decided.is_some() {
        return refuse(ErrorCode::AlreadyDecided);
    }
    if approval.expires_at <= clock {
        return refuse(ErrorCode::Expired);
    }
    if request.decision == Decision::Approve && request.number != Some(approval.number) {
        return refuse(ErrorCode::WrongNumber);
    }
    approval.decided = Some(request.decision);
    ok(&DecisionResponse {
        decision: request.decision,
    })
}

//! Tells waiting pages that their login attempt changed (approved, refused, activated),
//! without a thread or a database connection per page: one broadcast channel, filtered
//! by session.

use tokio::sync::broadcast;

/// "Something happened to the login attempt with this session hash."
#[derive(Debug, Clone)]
pub struct Notice {
    pub session_hash: String,
}

/// The session hash of the notice that releases every waiting page (shutdown).
pub const EVERYONE: &str = "*";

impl Notice {
    /// Whether a page waiting on `session_hash` should stop waiting.
    pub fn concerns(&self, session_hash: &str) -> bool {
        self.session_hash == session_hash || self.session_hash == EVERYONE
    }
}

pub struct Notifier {
    sender: broadcast::Sender<Notice>,
}

impl Notifier {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }

    /// Wakes the pages waiting on this login attempt; nobody listening is fine.
    pub fn notify(&self, session_hash: &str) {
        let _ = self.sender.send(Notice {
            session_hash: session_hash.to_string(),
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.sender.subscribe()
    }
}

impl Default for Notifier {
    fn default() -> Self {
        Self::new()
    }
}

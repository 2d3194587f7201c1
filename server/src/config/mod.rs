//! One settings struct, read from an optional TOML file, then `SPSE_*` variables, then
//! command-line flags (each later source wins). A bad value names its setting.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use url::Url;

use spse_domain::helpdesk::{Helpdesk, HelpdeskError};
use spse_domain::lockout::LockoutPolicy;
use spse_domain::session::Timeouts;
use spse_domain::zone::Zone;
use spse_usecases::Policy;

/// Output format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting of the server, parsed and checked. The use cases' [`Policy`] is one of
/// its fields, so the application hands it over whole instead of copying field by field.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// Where `/metrics` and the detailed health checks are served; 127.0.0.1 by default,
    /// since they count what the public pages do not reveal.
    pub management_listen: SocketAddr,
    /// Where the SPSE Authenticator web app is served: an origin of its own, so that a
    /// script injected into the login pages cannot reach the app's keys and secrets.
    pub app_listen: SocketAddr,
    /// The app's address as phones open it. `None` until its listener is bound when not
    /// configured: it then becomes `http://<bound address>`.
    pub app_url: Option<Url>,
    /// Other LPSEs' app origins that may call this server's signed API (several LPSEs
    /// in one installed app).
    pub app_peer_origins: Vec<String>,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Base of every link in mail and QR codes. `None` until the listener is bound when
    /// not configured: it then becomes `http://<bound address>`.
    pub public_url: Option<Url>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub key_file: PathBuf,
    pub log_format: LogFormat,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges);
    /// the cap on connections per address does not apply to them.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long a request head may take to arrive, also between keep-alive requests.
    pub header_timeout: std::time::Duration,
    /// Connections open at once from one address (not counting trusted proxies).
    pub connections_per_address: usize,
    /// Event streams of waiting pages open at once from one address (each login attempt
    /// holds at most a few).
    pub event_streams_per_address: usize,
    /// How many password hashes may run at once (defaults to the number of cores).
    pub hash_concurrency: usize,
    /// The zone pages, mails, exports and the admin CLI show times in (WIB by default).
    pub zone: Zone,
    /// What the use cases follow: timeouts, lockouts, the issuer, demo mode...
    pub policy: Policy,
}

/// A setting that could not be used, named as the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("setting {setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            setting: env_name(key),
            message: message.into(),
        }
    }
}

/// A setting's default: a value parsed like one the operator wrote, or one that follows
/// from other settings (described in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    Value(&'static str),
    Derived(&'static str),
    Unset(&'static str),
}

/// One setting: its key in a file (`SPSE_<KEY>` in the environment) and its default.
/// This table is the only list of them: files and variables are checked against it,
/// `resolve` takes defaults from it, and a test holds README's table to it.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub key: &'static str,
    pub default: Fallback,
}

const fn value(key: &'static str, default: &'static str) -> Spec {
    Spec {
        key,
        default: Fallback::Value(default),
    }
}

const fn derived(key: &'static str, words: &'static str) -> Spec {
    Spec {
        key,
        default: Fallback::Derived(words),
    }
}

const fn unset(key: &'static str, words: &'static str) -> Spec {
    Spec {
        key,
        default: Fallback::Unset(words),
    }
}

pub const SETTINGS: &[Spec] = &[
    value("listen", "127.0.0.1:8080"),
    value("management_listen", "127.0.0.1:9000"),
    value("app_listen", "127.0.0.1:8081"),
    derived("app_url", "http://APP_LISTEN"),
    unset("app_peer_origins", "none"),
    value("data_dir", "./spse-data"),
    derived("database_url", "sqlite file in the data dir"),
    derived("public_url", "http://LISTEN"),
    unset("smtp_url", "unset: mail goes to DATA_DIR/outbox/*.eml"),
    value("mail_from", "LPSE <noreply@localhost>"),
    derived("key_file", "DATA_DIR/secret.key"),
    value("issuer", "LPSE"),
    value("helpdesk_email", "helpdesk@lpse.example.go.id"),
    value("helpdesk_phone", "+62 21 5555 0100"),
    value("helpdesk_url", "https://lpse.example.go.id/bantuan"),
    value("totp_required", "true"),
    value("captcha", "on"),
    value("log_format", "text"),
    value("session_idle_minutes", "30"),
    value("session_absolute_hours", "12"),
    value("activation_minutes", "15"),
    value("reset_minutes", "30"),
    value("password_max_failures", "10"),
    value("password_lock_minutes", "15"),
    value("totp_max_failures", "5"),
    value("totp_lock_minutes", "15"),
    derived("hash_concurrency", "number of cores"),
    value("approval_cooldown_minutes", "15"),
    value("timezone", "WIB"),
    value("audit_retention_days", "730"),
    value("oidc_code_seconds", "60"),
    value("oidc_access_token_minutes", "10"),
    value("oidc_id_token_minutes", "10"),
    unset("trusted_proxies", "none"),
    value("header_timeout_seconds", "5"),
    value("connections_per_address", "256"),
    value("event_streams_per_address", "20"),
];

fn spec(key: &str) -> Option<&'static Spec> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// `SPSE_*` variables that belong to other programs of the project, not to the server.
const OTHER_PROGRAMS: &[&str] = &["SPSE_AUTHENTICATOR_", "SPSE_TEST_", "SPSE_BENCH_"];

fn env_name(key: &str) -> String {
    format!("SPSE_{}", key.to_ascii_uppercase())
}

/// Raw values by key, before parsing.
#[derive(Debug, Default, Clone)]
pub struct RawSettings(BTreeMap<String, String>);

impl RawSettings {
    /// Reads a TOML file of `key = value` lines; unknown keys are refused.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            setting: "--config".into(),
            message: format!("{}: {e}", path.display()),
        })?;
        let table: toml::Table = text.parse().map_err(|e| ConfigError {
            setting: "--config".into(),
            message: format!("{}: {e}", path.display()),
        })?;
        let mut raw = BTreeMap::new();
        for (key, value) in table {
            if spec(&key).is_none() {
                return Err(ConfigError {
                    setting: key,
                    message: format!("unknown setting in {}", path.display()),
                });
            }
            let text = match value {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            raw.insert(key, text);
        }
        Ok(Self(raw))
    }

    /// Overlays every `SPSE_*` variable. One that names no setting is refused (a typo
    /// would otherwise leave a default in force unnoticed), except those of the
    /// project's other programs.
    pub fn overlay_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("SPSE_") else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            if spec(&key).is_some() {
                self.0.insert(key, value);
            } else if !OTHER_PROGRAMS.iter().any(|p| name.starts_with(p)) {
                return Err(ConfigError {
                    setting: name,
                    message: "unknown setting (see README, Settings)".into(),
                });
            }
        }
        Ok(())
    }

    /// Sets one key, as a command-line flag does.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_string(), value.into());
    }

    /// The value written for `key`, else its default from [`SETTINGS`]; `None` when
    /// neither gives one (derived and unset defaults are for `resolve` to work out).
    fn get(&self, key: &str) -> Option<&str> {
        let written = self.0.get(key).map(|s| s.trim()).filter(|s| !s.is_empty());
        written.or(match spec(key).map(|s| s.default) {
            Some(Fallback::Value(default)) => Some(default),
            _ => None,
        })
    }

    /// The value of `key` parsed; every key read here has a value default in the table.
    fn parse<T: std::str::FromStr>(&self, key: &str, what: &str) -> Result<T, ConfigError> {
        let text = self
            .get(key)
            .ok_or_else(|| ConfigError::new(key, "has no value"))?;
        text.parse()
            .map_err(|_| ConfigError::new(key, format!("{text:?} is not {what}")))
    }

    fn flag(&self, key: &str) -> Result<bool, ConfigError> {
        match self.get(key).map(str::to_ascii_lowercase).as_deref() {
            Some("1" | "true" | "on" | "yes") => Ok(true),
            Some("0" | "false" | "off" | "no") => Ok(false),
            other => Err(ConfigError::new(key, format!("{other:?} is not on/off"))),
        }
    }

    fn positive(&self, key: &str) -> Result<i64, ConfigError> {
        let value: i64 = self.parse(key, "a whole number")?;
        if value < 1 {
            return Err(ConfigError::new(key, "must be at least 1"));
        }
        Ok(value)
    }

    fn bounded(&self, key: &str, max: i64) -> Result<i64, ConfigError> {
        let value = self.positive(key)?;
        if value > max {
            return Err(ConfigError::new(key, format!("must be at most {max}")));
        }
        Ok(value)
    }

    /// Parses and checks every setting.
    pub fn resolve(&self, demo: bool) -> Result<Settings, ConfigError> {
        let listen: SocketAddr = self.parse("listen", "an address such as 127.0.0.1:8080")?;
        let management_listen: SocketAddr =
            self.parse("management_listen", "an address such as 127.0.0.1:9000")?;
        let app_listen: SocketAddr =
            self.parse("app_listen", "an address such as 127.0.0.1:8081")?;
        let app_url = self
            .get("app_url")
            .map(|text| parse_https_url("app_url", text))
            .transpose()?;
        let data_dir = PathBuf::from(self.get("data_dir").unwrap_or("./spse-data"));
        let database_url = match self.get("database_url") {
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url.to_string()
            }
            Some(other) => {
                return Err(ConfigError::new(
                    "database_url",
                    format!("{other:?} is neither sqlite:// nor postgres://"),
                ));
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("spse-auth.db").display()
            ),
        };
        let public_url = self
            .get("public_url")
            .map(|text| parse_https_url("public_url", text))
            .transpose()?;
        let log_format = match self.get("log_format") {
            Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "log_format",
                    format!("{other:?} is neither text nor json"),
                ));
            }
        };
        let key_file = self
            .get("key_file")
            .map_or_else(|| data_dir.join("secret.key"), PathBuf::from);
        let hash_concurrency = match self.get("hash_concurrency") {
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
            Some(_) => self.positive("hash_concurrency")? as usize,
        };
        let zone_text = self.get("timezone").unwrap_or_default();
        let zone = Zone::parse(zone_text).ok_or_else(|| {
            ConfigError::new(
                "timezone",
                format!("{zone_text:?} is not WIB, WITA, WIT, UTC or an offset such as +07:00"),
            )
        })?;
        let smtp_url = match self.get("smtp_url") {
            None => None,
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                Some(url.to_string())
            }
            Some(_) => {
                return Err(ConfigError::new(
                    "smtp_url",
                    "must start with smtp:// or smtps://",
                ));
            }
        };
        let activation_secs = self.positive("activation_minutes")? * 60;
        let policy = Policy {
            totp_required: self.flag("totp_required")?,
            timeouts: Timeouts {
                idle_secs: self.positive("session_idle_minutes")? * 60,
                absolute_secs: self.positive("session_absolute_hours")? * 3600,
                half_open_secs: activation_secs,
            },
            activation_secs,
            password_lockout: LockoutPolicy::new(
                self.bounded("password_max_failures", 100)?,
                self.positive("password_lock_minutes")? * 60,
            ),
            totp_lockout: LockoutPolicy::new(
                self.bounded("totp_max_failures", 100)?,
                self.positive("totp_lock_minutes")? * 60,
            ),
            issuer: self.get("issuer").unwrap_or_default().to_string(),
            demo,
            retention_secs: self.positive("audit_retention_days")? * 86_400,
            approval_cooldown_secs: self.positive("approval_cooldown_minutes")? * 60,
            reset_secs: self.bounded("reset_minutes", 24 * 60)? * 60,
            captcha: self.flag("captcha")?,
            helpdesk: self.helpdesk()?,
            oidc: spse_usecases::oidc::OidcPolicy {
                code_secs: self.bounded("oidc_code_seconds", 600)?,
                access_token_secs: self.bounded("oidc_access_token_minutes", 24 * 60)? * 60,
                id_token_secs: self.bounded("oidc_id_token_minutes", 24 * 60)? * 60,
            },
        };
        Ok(Settings {
            listen,
            management_listen,
            app_listen,
            app_url,
            app_peer_origins: self.origins("app_peer_origins")?,
            database_url,
            public_url,
            smtp_url,
            mail_from: self.get("mail_from").unwrap_or_default().to_string(),
            key_file,
            log_format,
            trusted_proxies: self.networks("trusted_proxies")?,
            header_timeout: std::time::Duration::from_secs(
                self.bounded("header_timeout_seconds", 300)? as u64,
            ),
            connections_per_address: self.positive("connections_per_address")? as usize,
            event_streams_per_address: self.positive("event_streams_per_address")? as usize,
            hash_concurrency,
            zone,
            policy,
            data_dir,
        })
    }

    /// The helpdesk's contact, each part checked and named on its own.
    fn helpdesk(&self) -> Result<Helpdesk, ConfigError> {
        let [email, phone, url] = ["helpdesk_email", "helpdesk_phone", "helpdesk_url"]
            .map(|k| self.get(k).unwrap_or_default());
        Helpdesk::parse(email, phone, url).map_err(|e| {
            let key = match e {
                HelpdeskError::Email => "helpdesk_email",
                HelpdeskError::Phone => "helpdesk_phone",
                HelpdeskError::Url => "helpdesk_url",
            };
            ConfigError::new(key, e.to_string())
        })
    }

    /// A comma-separated list of web origins (`https://host[:port]`), each as a browser
    /// sends it in `Origin`.
    fn origins(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        let Some(text) = self.get(key) else {
            return Ok(Vec::new());
        };
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                let url = parse_https_url(key, part)?;
                Ok(url.origin().ascii_serialization())
            })
            .collect()
    }

    /// A comma-separated list of addresses (`10.0.0.5`) or ranges (`10.0.0.0/24`).
    fn networks(&self, key: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        let Some(text) = self.get(key) else {
            return Ok(Vec::new());
        };
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<ipnet::IpNet>()
                    .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError::new(key, format!("{part:?} is not an address or a range"))
                    })
            })
            .collect()
    }
}

/// A URL that browsers open: https, or plain http on this machine only.
fn parse_https_url(key: &str, text: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text).map_err(|e| ConfigError::new(key, format!("{text:?}: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(ConfigError::new(
                key,
                "plain http is allowed only for localhost; use https (TLS may end at a proxy)",
            ));
        }
        _ => return Err(ConfigError::new(key, "must start with https://")),
    }
    Ok(url)
}

/// Whether a URL points at this machine, where plain http (and cookies without `Secure`)
/// is tolerated for development.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests;

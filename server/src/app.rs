//! Assembly: settings in, a running service out. Tests build it on port 0.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use url::Url;

use crate::config::{ConfigError, Settings, is_loopback_host};
use crate::connections::{Limits, serve};
use spse_domain::clock::Clock;
use spse_mail::{Mailer, Outbox, Smtp};
use spse_store::{Relayed, Store, StoreError};
use spse_usecases::secrets::SecretsError;
use spse_usecases::{Auth, Hasher};
use spse_web::{AppState, CookieNames, STREAMS_PER_SESSION, StreamCounter, WebSettings};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}

/// Opens the database, key file and mailer: what both `serve` and the admin commands use.
pub async fn open_auth(
    settings: &Settings,
    clock: Arc<dyn Clock>,
    public_url: Url,
) -> Result<Auth, StartError> {
    std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartError::Io {
        what: format!("data directory {}", settings.data_dir.display()),
        source,
    })?;
    let store: Arc<dyn Store> = Arc::new(spse_store::connect(&settings.database_url, true).await?);
    let secrets =
        spse_usecases::key_check::open_key(&*store, &settings.key_file, clock.now()).await?;
    let mailer = mailer_for(settings)?;
    let policy = settings.policy.clone();
    let hasher = Hasher::new(settings.hash_concurrency);
    let auth = Auth::new(store, secrets, hasher, mailer, clock, policy, public_url);
    // Mail queued in plain text by an older version is sealed before anything sends it.
    let plain = auth.seal_plain_mail().await?;
    if plain > 0 {
        tracing::info!(mails = plain, "queued mail from an older version sealed");
    }
    Ok(auth)
}

fn mailer_for(settings: &Settings) -> Result<Arc<dyn Mailer>, StartError> {
    match &settings.smtp_url {
        // Demo mode never mails anyone: the outbox, whatever is configured.
        Some(url) if !settings.policy.demo => {
            let smtp = Smtp::new(url, settings.mail_from.clone()).map_err(|e| ConfigError {
                setting: "SPSE_SMTP_URL".into(),
                message: e.to_string(),
            })?;
            Ok(Arc::new(smtp))
        }
        _ => Ok(Arc::new(Outbox::new(
            settings.data_dir.join("outbox"),
            settings.mail_from.clone(),
        ))),
    }
}

/// The public URL: the configured one, or `http://<bound address>` for local use.
pub fn public_url_for(settings: &Settings, bound: SocketAddr) -> Result<Url, StartError> {
    match &settings.public_url {
        Some(url) => Ok(url.clone()),
        None => {
            let url = Url::parse(&format!("http://{bound}")).map_err(|e| ConfigError {
                setting: "SPSE_LISTEN".into(),
                message: e.to_string(),
            })?;
            if !is_loopback_host(&url) {
                return Err(ConfigError {
                    setting: "SPSE_PUBLIC_URL".into(),
                    message: "must be set (https://...) when listening beyond localhost".into(),
                }
                .into());
            }
            Ok(url)
        }
    }
}

/// The app's URL: the configured one, or `http://<bound address>` for local use.
fn app_url_for(settings: &Settings, bound: SocketAddr) -> Result<Url, StartError> {
    match &settings.app_url {
        Some(url) => Ok(url.clone()),
        None => {
            let url = Url::parse(&format!("http://{bound}/")).map_err(|e| ConfigError {
                setting: "SPSE_APP_LISTEN".into(),
                message: e.to_string(),
            })?;
            if !is_loopback_host(&url) {
                return Err(ConfigError {
                    setting: "SPSE_APP_URL".into(),
                    message: "must be set (https://...) when listening beyond localhost".into(),
                }
                .into());
            }
            Ok(url)
        }
    }
}

/// A bound, ready service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    /// The SPSE Authenticator web app, on an origin of its own.
    app: TcpListener,
    app_router: axum::Router,
    app_url: Url,
    /// `/metrics` and the health checks in detail, apart from the public pages.
    management: TcpListener,
    management_router: axum::Router,
    limits: Limits,
    auth: Arc<Auth>,
    public_url: Url,
    database_url: String,
}

async fn bind(address: SocketAddr, what: &str) -> Result<TcpListener, StartError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Io {
            what: format!("{what} on {address}"),
            source,
        })
}

impl Application {
    pub async fn build(settings: &Settings, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let listener = bind(settings.listen, "listen").await?;
        let management = bind(settings.management_listen, "management listener").await?;
        if !settings.management_listen.ip().is_loopback() {
            tracing::warn!(
                management = %settings.management_listen,
                "SPSE_MANAGEMENT_LISTEN is reachable beyond this host: let only monitoring reach it"
            );
        }
        let bound = listener.local_addr().map_err(|source| StartError::Io {
            what: "listener address".into(),
            source,
        })?;
        let public_url = public_url_for(settings, bound)?;
        let app = bind(settings.app_listen, "app listener").await?;
        let app_bound = app.local_addr().map_err(|source| StartError::Io {
            what: "app listener address".into(),
            source,
        })?;
        let app_url = app_url_for(settings, app_bound)?;
        let app_origin = app_url.origin().ascii_serialization();
        if app_origin == public_url.origin().ascii_serialization() {
            return Err(ConfigError {
                setting: "SPSE_APP_URL".into(),
                message: "must be another origin than SPSE_PUBLIC_URL (another host or port)"
                    .into(),
            }
            .into());
        }
        let auth = Arc::new(open_auth(settings, clock, public_url.clone()).await?);
        if !settings.policy.captcha {
            tracing::warn!("SPSE_CAPTCHA is off: only for tests or behind another bot defence");
        }
        let https = public_url.scheme() == "https";
        let web = WebSettings {
            cookies: CookieNames::new(https),
            public_origin: public_url.origin().ascii_serialization(),
            app_url: app_url.to_string(),
            app_origins: std::iter::once(app_origin)
                .chain(settings.app_peer_origins.iter().cloned())
                .collect(),
            https,
            demo: settings.policy.demo,
            issuer: settings.policy.issuer.clone(),
            zone: settings.zone.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
        };
        let state = AppState {
            auth: Arc::clone(&auth),
            web: Arc::new(web),
            streams: StreamCounter::new(STREAMS_PER_SESSION, settings.event_streams_per_address),
        };
        let app_router = spse_web::app_router(
            &public_url.origin().ascii_serialization(),
            app_url.scheme() == "https",
            is_loopback_host(&app_url),
        );
        let router = spse_web::router(state.clone());
        let management_router = spse_web::management_router(state);
        Ok(Self {
            listener,
            router,
            app,
            app_router,
            app_url,
            management,
            management_router,
            limits: Limits {
                header_timeout: settings.header_timeout,
                per_address: settings.connections_per_address,
                exempt: settings.trusted_proxies.clone(),
            },
            auth,
            public_url,
            database_url: settings.database_url.clone(),
        })
    }

    /// The address actually bound (port 0 becomes a real port).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The management listener's bound address (`/metrics`, `/healthz` in detail).
    pub fn management_addr(&self) -> Option<SocketAddr> {
        self.management.local_addr().ok()
    }

    /// Where the SPSE Authenticator web app is served.
    pub fn app_url(&self) -> &Url {
        &self.app_url
    }

    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    pub fn auth(&self) -> Arc<Auth> {
        Arc::clone(&self.auth)
    }

    /// Serves until SIGTERM or Ctrl-C, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let listener_auth = Arc::clone(&self.auth);
        tokio::spawn(spse_store::listen_for_notices(
            self.database_url.clone(),
            move |relayed| match relayed {
                Relayed::LoginChanged(hash) => listener_auth.deliver_notice(&hash),
                Relayed::SessionEnded(hash) => listener_auth.session_ended_elsewhere(&hash),
            },
        ));
        let ended = Arc::clone(&self.auth);
        tokio::spawn(async move {
            // Logouts the database could not record are retried until it takes writes.
            let mut tick = tokio::time::interval(Duration::from_secs(15));
            loop {
                tick.tick().await;
                let waiting = ended.delete_ended_sessions().await;
                if waiting > 0 {
                    tracing::warn!(waiting, "logged-out sessions still kept by the database");
                }
            }
        });
        let sealer = Arc::clone(&self.auth);
        tokio::spawn(async move {
            // Appends do not wait for the chain: this seals them a batch at a time, one
            // instance at a time, a quarter of a second after they are written at most.
            // The first tick is at once: what a stop (or a version before the chain)
            // left unsealed joins first. The audit commands seal for themselves.
            let mut tick = tokio::time::interval(SEAL_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = sealer.seal_log().await {
                    tracing::warn!(error = %e, "sealing the access log failed");
                }
            }
        });
        let sweeper = Arc::clone(&self.auth);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(300));
            loop {
                tick.tick().await;
                match sweeper.sweep_sessions().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "expired sessions removed"),
                    Err(e) => tracing::warn!(error = %e, "session sweep failed"),
                }
                match sweeper.prune_log().await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(removed = n, "access-log entries past retention removed")
                    }
                    Err(e) => tracing::warn!(error = %e, "access-log retention failed"),
                }
                if let Err(e) = sweeper.sweep_resets().await {
                    tracing::warn!(error = %e, "reset sweep failed");
                }
            }
        });
        tokio::spawn(Arc::clone(&self.auth).run_mail_worker());
        match crate::logout_sender::HttpLogoutSender::new() {
            Ok(sender) => {
                let worker = Arc::clone(&self.auth);
                tokio::spawn(async move { worker.run_logout_worker(&sender).await });
            }
            Err(e) => tracing::error!(error = %e, "back-channel logout disabled: no HTTP client"),
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let auth = Arc::clone(&self.auth);
        tokio::spawn(async move {
            shutdown_signal().await;
            // Waiting pages would hold the shutdown open: release them (they reconnect).
            auth.release_waiting_pages();
            let _ = stop.send(true);
        });
        let public = serve(
            self.listener,
            self.router,
            self.limits.clone(),
            stopped.clone(),
        );
        let management = serve(
            self.management,
            self.management_router,
            self.limits.clone(),
            stopped.clone(),
        );
        let app = serve(self.app, self.app_router, self.limits, stopped.clone());
        let mut stopping = stopped;
        tokio::select! {
            (public, management, app) = async { tokio::join!(public, management, app) } => {
                public.and(management).and(app)
            }
            () = async {
                let _ = stopping.wait_for(|stop| *stop).await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {
                tracing::warn!("requests still open after {SHUTDOWN_GRACE:?}; exiting anyway");
                Ok(())
            }
        }
    }
}

/// How long requests in flight may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How often the sealer looks for access-log entries to seal.
const SEAL_EVERY: Duration = Duration::from_millis(250);

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

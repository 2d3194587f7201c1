//! The modules registered to log in through spse-auth (OpenID Connect clients): added,
//! listed, shown, removed and given a new secret by an admin (the command line).

use spse_domain::secret::Secret;
use spse_domain::token;
use spse_domain::user::DisplayName;
use spse_store::{ClientRecord, StoreError};
use url::{Host, Url};

use crate::{Auth, AuthError, Staff};

/// Bytes of randomness in a client id and in a client secret.
const ID_BYTES: usize = 16;
const SECRET_BYTES: usize = 32;
/// Longest URI accepted, well under what browsers and servers carry.
const MAX_URI: usize = 2000;
/// What a client secret's keyed hash is bound to.
pub(crate) const SECRET_CONTEXT: &[u8] = b"oidc client secret";

/// A client as an admin describes it.
#[derive(Debug, Clone, Default)]
pub struct NewClientInput {
    pub name: String,
    pub redirect_uris: Vec<String>,
    /// A public client (a single-page or native app) has no secret and must use PKCE.
    pub public: bool,
    pub backchannel_logout_uri: Option<String>,
    pub home_url: Option<String>,
}

/// A registered client as the command line shows it: never its secret or hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientView {
    pub client_id: String,
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub home_url: Option<String>,
    pub created_at: i64,
    pub secret_rotated_at: Option<i64>,
}

impl From<&ClientRecord> for ClientView {
    fn from(record: &ClientRecord) -> Self {
        Self {
            client_id: record.client_id.clone(),
            name: record.name.clone(),
            public: record.secret_hash.is_none(),
            redirect_uris: record.redirect_uris.clone(),
            backchannel_logout_uri: record.backchannel_logout_uri.clone(),
            home_url: record.home_url.clone(),
            created_at: record.created_at,
            secret_rotated_at: record.secret_rotated_at,
        }
    }
}

/// A client just added: its secret (confidential clients only) is shown this once.
#[derive(Debug)]
pub struct AddedClient {
    pub client: ClientView,
    pub secret: Option<Secret<String>>,
}

/// Why a URI was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriProblem {
    /// Not an absolute URI, or longer than we accept.
    Malformed,
    /// Neither https nor http on a loopback address.
    Scheme,
    /// A `#fragment` (not allowed in a redirect URI, RFC 6749 3.1.2).
    Fragment,
    /// `user:password@` in the URI.
    Credentials,
    /// A `*` or other pattern: redirect URIs match exactly.
    Wildcard,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("name must be 1 to 100 characters without control characters")]
    Name,
    #[error("at least one redirect URI is needed")]
    NoRedirectUri,
    #[error("redirect URI {uri} refused: {problem:?}")]
    RedirectUri { uri: String, problem: UriProblem },
    #[error("back-channel logout URI {uri} refused: {problem:?}")]
    BackchannelUri { uri: String, problem: UriProblem },
    #[error("home URL {uri} refused: {problem:?}")]
    HomeUrl { uri: String, problem: UriProblem },
    #[error("no such client")]
    NotFound,
    #[error("a public client has no secret")]
    PublicClient,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

impl From<StoreError> for ClientError {
    fn from(e: StoreError) -> Self {
        Self::Auth(AuthError::Store(e))
    }
}

/// Checks a URI the server will send browsers or requests to: absolute, https (or plain
/// http on a loopback address only, for a module tried out on the same machine), no
/// credentials, no fragment, no wildcard. Returns it as typed: redirect URIs are
/// compared as strings, exactly.
pub fn check_uri(text: &str) -> Result<String, UriProblem> {
    if text.len() > MAX_URI || text.trim() != text || text.chars().any(char::is_control) {
        return Err(UriProblem::Malformed);
    }
    if text.contains('*') {
        return Err(UriProblem::Wildcard);
    }
    let url = Url::parse(text).map_err(|_| UriProblem::Malformed)?;
    if url.fragment().is_some() || text.contains('#') {
        return Err(UriProblem::Fragment);
    }
    if !matches!(url.scheme(), "https" | "http") {
        return Err(UriProblem::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UriProblem::Credentials);
    }
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => return Err(UriProblem::Malformed),
    };
    match url.scheme() {
        "https" => Ok(text.to_string()),
        "http" if loopback => Ok(text.to_string()),
        _ => Err(UriProblem::Scheme),
    }
}

impl Auth {
    /// Registers a client. Admins only: a client can ask for any account's login.
    pub async fn add_client(
        &self,
        staff: &Staff,
        input: NewClientInput,
    ) -> Result<AddedClient, ClientError> {
        admin(staff)?;
        let name = DisplayName::parse(&input.name).ok_or(ClientError::Name)?;
        if input.redirect_uris.is_empty() {
            return Err(ClientError::NoRedirectUri);
        }
        let mut redirect_uris = Vec::new();
        for uri in &input.redirect_uris {
            let uri = check_uri(uri).map_err(|problem| ClientError::RedirectUri {
                uri: uri.clone(),
                problem,
            })?;
            if !redirect_uris.contains(&uri) {
                redirect_uris.push(uri);
            }
        }
        let backchannel_logout_uri = input
            .backchannel_logout_uri
            .as_deref()
            .map(|uri| {
                check_uri(uri).map_err(|problem| ClientError::BackchannelUri {
                    uri: uri.into(),
                    problem,
                })
            })
            .transpose()?;
        let home_url = input
            .home_url
            .as_deref()
            .map(|uri| {
                check_uri(uri).map_err(|problem| ClientError::HomeUrl {
                    uri: uri.into(),
                    problem,
                })
            })
            .transpose()?;
        let secret = (!input.public).then(|| token::random_hex(SECRET_BYTES));
        let record = ClientRecord {
            client_id: token::random_hex(ID_BYTES),
            name: name.as_str().to_string(),
            secret_hash: secret.as_deref().map(|s| self.client_secret_hash(s)),
            redirect_uris,
            backchannel_logout_uri,
            home_url,
            created_at: self.now(),
            secret_rotated_at: None,
        };
        self.store.insert_client(&record).await?;
        tracing::info!(client_id = %record.client_id, by = staff.name(), "client added");
        Ok(AddedClient {
            client: ClientView::from(&record),
            secret: secret.map(Secret::new),
        })
    }

    pub async fn list_clients(&self, staff: &Staff) -> Result<Vec<ClientView>, ClientError> {
        admin(staff)?;
        Ok(self
            .store
            .list_clients()
            .await?
            .iter()
            .map(ClientView::from)
            .collect())
    }

    pub async fn show_client(
        &self,
        staff: &Staff,
        client_id: &str,
    ) -> Result<ClientView, ClientError> {
        admin(staff)?;
        self.store
            .client(client_id)
            .await?
            .as_ref()
            .map(ClientView::from)
            .ok_or(ClientError::NotFound)
    }

    pub async fn remove_client(&self, staff: &Staff, client_id: &str) -> Result<(), ClientError> {
        admin(staff)?;
        if !self.store.delete_client(client_id).await? {
            return Err(ClientError::NotFound);
        }
        tracing::info!(client_id, by = staff.name(), "client removed");
        Ok(())
    }

    /// A new secret for a confidential client, shown once; the old one stops at once.
    pub async fn rotate_client_secret(
        &self,
        staff: &Staff,
        client_id: &str,
    ) -> Result<Secret<String>, ClientError> {
        admin(staff)?;
        let client = self
            .store
            .client(client_id)
            .await?
            .ok_or(ClientError::NotFound)?;
        if client.secret_hash.is_none() {
            return Err(ClientError::PublicClient);
        }
        let secret = token::random_hex(SECRET_BYTES);
        let hash = self.client_secret_hash(&secret);
        if !self
            .store
            .set_client_secret(client_id, &hash, self.now())
            .await?
        {
            return Err(ClientError::NotFound);
        }
        tracing::info!(client_id, by = staff.name(), "client secret rotated");
        Ok(Secret::new(secret))
    }

    fn client_secret_hash(&self, secret: &str) -> String {
        self.secrets.keyed_hash(SECRET_CONTEXT, secret.as_bytes())
    }
}

fn admin(staff: &Staff) -> Result<(), ClientError> {
    if staff.is_admin() {
        Ok(())
    } else {
        Err(ClientError::Auth(AuthError::NotAllowed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_https_or_loopback_http_and_exact() {
        for good in [
            "https://paket.lpse.go.id/oidc/callback",
            "https://paket.lpse.go.id:8443/cb?module=paket",
            "http://127.0.0.1:9000/cb",
            "http://localhost/cb",
            "http://[::1]:8080/cb",
        ] {
            assert_eq!(check_uri(good).as_deref(), Ok(good), "{good}");
        }
        let refused = [
            ("http://paket.lpse.go.id/cb", UriProblem::Scheme),
            ("http://10.0.0.5/cb", UriProblem::Scheme),
            ("javascript:alert(1)", UriProblem::Scheme),
            ("ftp://127.0.0.1/cb", UriProblem::Scheme),
            ("https://paket.lpse.go.id/cb#x", UriProblem::Fragment),
            (
                "https://user:pw@paket.lpse.go.id/cb",
                UriProblem::Credentials,
            ),
            ("https://*.lpse.go.id/cb", UriProblem::Wildcard),
            ("https://paket.lpse.go.id/*", UriProblem::Wildcard),
            ("/cb", UriProblem::Malformed),
            (" https://paket.lpse.go.id/cb", UriProblem::Malformed),
            ("https://paket.lpse.go.id/c\nb", UriProblem::Malformed),
        ];
        for (bad, problem) in refused {
            assert_eq!(check_uri(bad), Err(problem), "{bad:?}");
        }
        let long = format!("https://paket.lpse.go.id/{}", "a".repeat(MAX_URI));
        assert_eq!(check_uri(&long), Err(UriProblem::Malformed));
    }
}

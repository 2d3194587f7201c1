//! The authenticator's side: signed requests and enrolment (binding one device).

use spse_protocol::TotpKey;
use spse_protocol::api::{
    self, ENROLLING, EnrollRequest, EnrollResponse, ErrorCode, MAX_SKEW_SECONDS,
};

use super::login::{activation_context, totp_context};
use super::{Auth, AuthError, Client, Session, SessionToken, Subject};
use spse_domain::event::EventKind;
use spse_domain::token;
use spse_domain::totp::{Code, CodeCheck, check};
use spse_store::{DeviceRecord, Factor, Reservation};

/// The parts of an HTTP request that its signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub device: &'a str,
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
}

const fn api_error(code: ErrorCode) -> AuthError {
    AuthError::Api(code)
}

impl Auth {
    /// Checks the signature with `public_key`, then the timestamp, then spends the nonce.
    async fn check_signed(
        &self,
        request: &SignedRequest<'_>,
        public_key: &str,
        nonce_key: &str,
    ) -> Result<(), AuthError> {
        let timestamp: i64 = request
            .timestamp
            .parse()
            .map_err(|_| api_error(ErrorCode::BadRequest))?;
        if request.nonce.len() != 32 || !request.nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(api_error(ErrorCode::BadRequest));
        }
        api::verify(
            public_key,
            request.method,
            request.path,
            timestamp,
            request.nonce,
            request.body,
            request.signature,
        )
        .map_err(|_| api_error(ErrorCode::BadSignature))?;
        let now = self.now();
        if (now - timestamp).abs() > MAX_SKEW_SECONDS {
            return Err(api_error(ErrorCode::ClockSkew));
        }
        // A nonce is remembered past the skew window on both sides, so it cannot come back.
        if !self
            .store
            .use_nonce(nonce_key, request.nonce, now + 2 * MAX_SKEW_SECONDS + 1)
            .await?
        {
            return Err(api_error(ErrorCode::Replayed));
        }
        Ok(())
    }

    /// The bound, unrevoked device that signed this request.
    pub async fn authenticate_device(
        &self,
        request: &SignedRequest<'_>,
    ) -> Result<DeviceRecord, AuthError> {
        let device = self
            .store
            .device(request.device)
            .await?
            .filter(|d| d.revoked_at.is_none())
            .ok_or(api_error(ErrorCode::UnknownDevice))?;
        self.check_signed(request, &device.public_key, &device.id)
            .await?;
        Ok(device)
    }

    /// Binds a device to the account whose activation QR it scanned: proves the QR (token),
    /// the secret (a current code) and the key (the signature), then activates TOTP with
    /// this device as the only one and wakes the waiting activation page.
    pub async fn enroll(
        &self,
        request: &SignedRequest<'_>,
        body: &EnrollRequest,
        client: &Client,
    ) -> Result<EnrollResponse, AuthError> {
        if request.device != ENROLLING || body.token.len() > 128 || body.public_key.len() != 64 {
            return Err(api_error(ErrorCode::BadRequest));
        }
        self.check_signed(
            request,
            &body.public_key,
            &format!("enroll:{}", body.public_key),
        )
        .await?;
        let now = self.now();
        let (pk, pending) = self
            .store
            .activation_by_enroll_hash(&token::hash(&body.token))
            .await?
            .filter(|(_, p)| p.expires_at > now)
            .ok_or(api_error(ErrorCode::InvalidToken))?;
        let user = self
            .store
            .user_by_pk(pk)
            .await?
            .ok_or(api_error(ErrorCode::InvalidToken))?;
        let key = TotpKey::new(
            self.secrets
                .open(pending.secret.expose(), &activation_context(pk))?,
        );

        let policy = &self.policy.totp_lockout;
        let lock_secs = policy.lock_secs(user.totp_lock.lock_count);
        let Reservation::Allowed { .. } = self
            .store
            .reserve_attempt(pk, Factor::Totp, now, policy, lock_secs)
            .await?
        else {
            return Err(api_error(ErrorCode::Locked));
        };
        let CodeCheck::Fresh { step } =
            Code::parse(&body.code).map_or(CodeCheck::Wrong, |c| check(&key, &c, now, None))
        else {
            self.log_event(
                EventKind::CodeWrong,
                Subject::Account(&user),
                client,
                "enrolment",
            )
            .await?;
            return Err(api_error(ErrorCode::WrongCode));
        };
        let name: String = body
            .device_name
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let device = DeviceRecord {
            id: token::random_hex(16),
            user_pk: pk,
            public_key: body.public_key.to_ascii_lowercase(),
            name: if name.trim().is_empty() {
                "SPSE Authenticator".into()
            } else {
                name
            },
            created_at: now,
            revoked_at: None,
        };
        let sealed = self.secrets.seal(key.secret(), &totp_context(pk));
        if !self
            .store
            .enroll_device(&device, &sealed, step, now)
            .await?
        {
            return Err(api_error(ErrorCode::InvalidToken));
        }
        self.store.clear_failures(pk, Factor::Totp).await?;
        let detail = format!("authenticator: {}", device.name);
        self.log_event(
            EventKind::TotpActivated,
            Subject::Account(&user),
            client,
            &detail,
        )
        .await?;
        let mail = spse_mail::texts::totp_activated(
            &user.email,
            user.user_id.as_str(),
            &self.policy.issuer,
            client,
        );
        self.send_later(mail).await?;
        self.wake_waiting_pages(&pending.session_hash).await;
        Ok(EnrollResponse {
            device_id: device.id,
            issuer: self.policy.issuer.clone(),
            account: user.user_id.to_string(),
        })
    }

    /// Completes a login whose activation was finished by the authenticator; `None` when
    /// that has not happened for this login attempt.
    pub async fn complete_enrolled(
        &self,
        session: &Session,
        client: &Client,
    ) -> Result<Option<SessionToken>, AuthError> {
        let user = self.half_open_user(session)?;
        let session = session.record();
        if !self
            .store
            .take_enrolled_activation(user.pk, &session.id_hash)
            .await?
        {
            return Ok(None);
        }
        self.finish_login(session, &user, client, spse_domain::session::AMR_CODE)
            .await
            .map(Some)
    }

    /// Whether the authenticator has completed this login attempt's activation.
    pub async fn activation_done(&self, session: &Session) -> Result<bool, AuthError> {
        let user = self.half_open_user(session)?;
        Ok(user.totp_secret.is_some())
    }
}

//! Reset TOTP by email (guide D): the request with its captcha, the emailed link, and
//! the reset itself. The request answers the same whether or not anything matched.

use std::time::{Duration, Instant};

use super::{Account, ActivationTicket, Auth, AuthError, Client, PowChallenge, Subject};
use spse_domain::event::EventKind;
use spse_domain::reset::{self, ResetCode};
use spse_domain::secret::Secret;
use spse_domain::user::{UserId, UserKind};
use spse_i18n::Texts;
use spse_mail::texts::{self, Notice};
use spse_store::{CaptchaLimit, PowSpend, UserRecord};

/// Every reset request takes at least this long, so a match (which writes a code and
/// queues a mail) cannot be told from a miss by timing.
const RESPONSE_FLOOR: Duration = Duration::from_millis(250);

/// The reset form as typed.
#[derive(Debug, Clone)]
pub struct ResetRequest {
    pub user_id: String,
    pub email: String,
    pub kind: UserKind,
    pub captcha_id: String,
    pub captcha_answer: Secret<String>,
    /// The proof of work the browser computed instead (ALTCHA payload), or empty.
    pub pow: String,
}

/// The parameters of an emailed link, as they arrived (`userid`, `isRekanan`, `kode`).
#[derive(Debug, Clone)]
pub struct ResetLink {
    pub user_id: String,
    pub is_rekanan: String,
    pub code: Secret<String>,
}

impl Auth {
    /// The answer of the form's captcha, for drawing or reading aloud: one answer per
    /// id, whichever comes first (the picture, the sound) makes it and the other renders
    /// the same. The database keeps its hash (what a typed answer is checked against)
    /// and the answer sealed with the server key, for rendering only: never the answer
    /// in plain text. One id renders at most [`reset::MAX_CAPTCHA_RENDERS`] times, so an
    /// answer cannot be drawn again and again with fresh noise and the renders compared
    /// ("Gambar lain" starts a new id); past that, [`AuthError::TooManyRequests`]. Each
    /// new id writes a row, so one address holds at most
    /// [`reset::MAX_CAPTCHAS_PER_ADDRESS`] unexpired ones; past that, the same.
    pub async fn new_captcha(
        &self,
        captcha_id: &str,
        client: &Client,
    ) -> Result<String, AuthError> {
        if !reset::captcha_id_valid(captcha_id) {
            return Err(AuthError::CaptchaWrong);
        }
        let now = self.now();
        let id_hash = spse_domain::token::hash(captcha_id);
        if let Some(answer) = self.render_again(&id_hash, now).await? {
            return Ok(answer);
        }
        let answer = reset::captcha_answer();
        let address = spse_domain::client::counted_address_text(&client.ip);
        let limit = CaptchaLimit {
            address: &address,
            most: reset::MAX_CAPTCHAS_PER_ADDRESS,
            now,
        };
        let sealed = self
            .secrets
            .seal(answer.as_bytes(), &captcha_context(&id_hash));
        if self
            .store
            .put_captcha(
                &id_hash,
                &reset::captcha_answer_hash(captcha_id, &answer),
                &sealed,
                now + reset::CAPTCHA_SECS,
                &limit,
            )
            .await?
        {
            return Ok(answer);
        }
        // The picture and the sound asked at once, and the other one made it first.
        match self.render_again(&id_hash, now).await? {
            Some(answer) => Ok(answer),
            None => Err(AuthError::TooManyRequests),
        }
    }

    async fn render_again(&self, id_hash: &str, now: i64) -> Result<Option<String>, AuthError> {
        let Some(sealed) = self
            .store
            .render_captcha(id_hash, now, reset::MAX_CAPTCHA_RENDERS)
            .await?
        else {
            return Ok(None);
        };
        let answer = self.secrets.open(&sealed, &captcha_context(id_hash))?;
        String::from_utf8(answer)
            .map(Some)
            .map_err(|_| crate::secrets::SecretsError::Undecryptable.into())
    }

    /// A proof-of-work challenge for the reset form, the alternative to typing the
    /// captcha (see [`crate::pow`]). Writes nothing.
    pub fn pow_challenge(&self) -> PowChallenge {
        self.pow_key.challenge(self.now())
    }

    /// Passes a request that carries either a proof of work that solves an unexpired
    /// challenge of this server and was never spent, or the right answer to its captcha
    /// (used up, right or wrong: it answers once). A forged, altered, expired, replayed
    /// or missing proof falls back to the typed answer, so it gets the same refusal as a
    /// wrong one.
    pub(crate) async fn check_captcha(
        &self,
        request: &ResetRequest,
        client: &Client,
    ) -> Result<(), AuthError> {
        if !self.policy.captcha {
            return Ok(());
        }
        let now = self.now();
        if let Some(proof) = self.pow_key.verify(&request.pow, now) {
            let address = spse_domain::client::counted_address_text(&client.ip);
            let limit = CaptchaLimit {
                address: &address,
                most: reset::MAX_POWS_PER_ADDRESS,
                now,
            };
            let hash = spse_domain::token::hash(&proof.challenge);
            match self
                .store
                .spend_pow(&hash, proof.expires_at, &limit)
                .await?
            {
                PowSpend::Spent => return Ok(()),
                PowSpend::Full => return Err(AuthError::TooManyRequests),
                PowSpend::Replayed => {}
            }
        }
        let captcha_id = &request.captcha_id;
        if !reset::captcha_id_valid(captcha_id) {
            return Err(AuthError::CaptchaWrong);
        }
        let stored = self
            .store
            .take_captcha(&spse_domain::token::hash(captcha_id), now)
            .await?;
        let expected = reset::captcha_answer_hash(captcha_id, request.captcha_answer.expose());
        match stored {
            Some(hash) if spse_domain::token::equal(&hash, &expected) => Ok(()),
            _ => Err(AuthError::CaptchaWrong),
        }
    }

    /// The reset request. Mails a link to the address on file when user ID, email and
    /// kind all match an enabled account; otherwise does nothing visible. Either way
    /// the caller shows the same page, and this takes at least [`RESPONSE_FLOOR`].
    pub async fn request_reset(
        &self,
        request: &ResetRequest,
        t: Texts,
        client: &Client,
    ) -> Result<(), AuthError> {
        at_least_floor(self.request_reset_inner(request, t, client)).await
    }

    async fn request_reset_inner(
        &self,
        request: &ResetRequest,
        t: Texts,
        client: &Client,
    ) -> Result<(), AuthError> {
        let event = EventKind::ResetRequested;
        let Some(user) = self.matching_account(request, client, event).await? else {
            return Ok(());
        };
        if !self.claim_mail(&user, "", client, event).await? {
            return Ok(());
        }
        let now = self.now();
        let code = ResetCode::generate();
        self.store
            .insert_reset_code(user.pk, &code.hash(), now, now + self.policy.reset_secs)
            .await?;
        let link = self.reset_link(&user, &code);
        let minutes = self.policy.reset_secs / 60;
        // Only ever the address on file, never the one typed (GitLab CVE-2023-7028).
        let mail = texts::reset_request(&user.email, t, user.user_id.as_str(), &link, minutes);
        self.send_later(mail).await?;
        self.log_event(event, Subject::Account(&user), client, "mailed")
            .await
    }

    /// What the reset forms (Reset TOTP, Lupa Password) check before anything else: the
    /// captcha, the address's own limit, and the account, if user ID, email and kind all
    /// match an enabled one. A miss is logged as `event` (in the owner's access log when
    /// the user ID names an account) and gives `None`: the requester learns nothing.
    pub(crate) async fn matching_account(
        &self,
        request: &ResetRequest,
        client: &Client,
        event: EventKind,
    ) -> Result<Option<UserRecord>, AuthError> {
        self.check_captcha(request, client).await?;
        let now = self.now();
        let user_id = UserId::parse(&request.user_id).ok();
        let key = user_id.as_ref().map(UserId::key).unwrap_or_default();
        let counts = self
            .store
            .record_reset_request(&client.ip, &key, now, now - reset::LIMIT_WINDOW_SECS)
            .await?;
        // Only the address's own count can refuse: it moves the same whether or not the
        // request matches. The account's limit counts mails sent (`claim_mail`).
        if counts.from_ip > reset::MAX_REQUESTS_PER_IP {
            return Err(AuthError::TooManyRequests);
        }
        let user = match &user_id {
            Some(id) => self.store.user_by_key(&id.key()).await?,
            None => None,
        };
        let typed_email = request.email.trim();
        match user {
            Some(u)
                if u.kind == request.kind
                    && !u.disabled
                    && u.email.eq_ignore_ascii_case(typed_email) =>
            {
                Ok(Some(u))
            }
            Some(u) => {
                self.log_event(event, Subject::Account(&u), client, "no match")
                    .await?;
                Ok(None)
            }
            None => {
                let typed = user_id.as_ref().map_or("", UserId::as_str);
                self.log_event(event, Subject::Typed(typed), client, "no match")
                    .await?;
                Ok(None)
            }
        }
    }

    /// Takes one of the account's mails for a reset form (`quota` names the form, so
    /// each has its own): `false`, logged as `event`, when the limit is reached. Only
    /// requests that matched count, so a stranger cannot use up the owner's quota.
    pub(crate) async fn claim_mail(
        &self,
        user: &UserRecord,
        quota: &str,
        client: &Client,
        event: EventKind,
    ) -> Result<bool, AuthError> {
        let now = self.now();
        let since = now - reset::LIMIT_WINDOW_SECS;
        let key = format!("{quota}{}", user.user_id.key());
        if self
            .store
            .claim_reset_mail(&key, now, since, reset::MAX_MAILS_PER_ACCOUNT)
            .await?
        {
            return Ok(true);
        }
        self.log_event(
            event,
            Subject::Account(user),
            client,
            "mail limit reached; not mailed",
        )
        .await?;
        Ok(false)
    }

    /// `<PUBLIC_URL>/user/resettotp?userid=..&isRekanan=0|1&kode=..`, never from the
    /// request's Host header.
    fn reset_link(&self, user: &UserRecord, code: &ResetCode) -> String {
        self.mailed_link(
            "/user/resettotp",
            &[
                ("userid", user.user_id.as_str()),
                ("isRekanan", is_rekanan(user.kind)),
                ("kode", code.as_str()),
            ],
        )
    }

    /// A link for a mail: `<PUBLIC_URL><path>?<pairs>`, never from a request's Host
    /// header.
    pub(crate) fn mailed_link(&self, path: &str, pairs: &[(&str, &str)]) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        let mut url =
            url::Url::parse(&format!("{base}{path}")).unwrap_or_else(|_| self.public_url.clone());
        url.query_pairs_mut().extend_pairs(pairs);
        url.to_string()
    }

    /// The account a link is for, if the link still opens. Changes nothing.
    pub async fn reset_link_user(&self, link: &ResetLink) -> Result<Account, AuthError> {
        let (user, _) = self.open_link(link).await?;
        Ok(Account::from(&user))
    }

    async fn open_link(&self, link: &ResetLink) -> Result<(UserRecord, ResetCode), AuthError> {
        let code = ResetCode::parse(link.code.expose()).ok_or(AuthError::ResetLinkInvalid)?;
        let user_id = UserId::parse(&link.user_id).map_err(|_| AuthError::ResetLinkInvalid)?;
        let kind = match link.is_rekanan.as_str() {
            "1" => UserKind::Penyedia,
            "0" => UserKind::NonPenyedia,
            _ => return Err(AuthError::ResetLinkInvalid),
        };
        let stored = self
            .store
            .reset_code(&code.hash())
            .await?
            .ok_or(AuthError::ResetLinkInvalid)?;
        let user = self
            .store
            .user_by_key(&user_id.key())
            .await?
            .ok_or(AuthError::ResetLinkInvalid)?;
        if user.pk != stored.user_pk
            || user.kind != kind
            || user.disabled
            || !reset::code_usable(stored.expires_at, stored.used_at, self.now())
        {
            return Err(AuthError::ResetLinkInvalid);
        }
        Ok((user, code))
    }

    /// The reset: the code is used, TOTP taken off and every session of the user ended,
    /// in one transaction; then the owner is told. It never logs anyone in. The ticket
    /// is for the browser that confirmed: there, and only with it (or a fresh mailed
    /// link), the next login activates a new phone.
    pub async fn reset_with_link(
        &self,
        link: &ResetLink,
        client: &Client,
    ) -> Result<(Account, ActivationTicket), AuthError> {
        let (user, code) = self.open_link(link).await?;
        let (ticket, stored) = self.new_ticket(&user, false);
        if !self
            .store
            .redeem_reset_code(user.pk, &code.hash(), self.now(), &stored)
            .await?
        {
            return Err(AuthError::ResetLinkInvalid);
        }
        self.sessions_ended();
        self.log_event(
            EventKind::TotpReset,
            Subject::Account(&user),
            client,
            "email link",
        )
        .await?;
        self.notify(&user, Notice::TotpReset, client, None).await?;
        Ok((Account::from(&user), ticket))
    }

    /// Mails a notice to the address on file.
    pub(super) async fn notify(
        &self,
        user: &UserRecord,
        notice: Notice,
        client: &Client,
        staff: Option<&str>,
    ) -> Result<(), AuthError> {
        let mail = texts::notice(
            &user.email,
            notice,
            user.user_id.as_str(),
            &self.policy.issuer,
            client,
            staff,
        );
        self.send_later(mail).await
    }
}

/// Runs a reset form's request, taking at least [`RESPONSE_FLOOR`] either way.
pub(crate) async fn at_least_floor<T>(request: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let outcome = request.await;
    tokio::time::sleep_until((started + RESPONSE_FLOOR).into()).await;
    outcome
}

/// What a captcha's sealed answer is bound to: its row.
fn captcha_context(id_hash: &str) -> Vec<u8> {
    format!("captcha:{id_hash}").into_bytes()
}

/// SPSE's `isRekanan` parameter: 1 for vendors.
pub fn is_rekanan(kind: UserKind) -> &'static str {
    match kind {
        UserKind::Penyedia => "1",
        UserKind::NonPenyedia => "0",
    }
}

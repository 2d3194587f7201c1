//! The reset form's captcha, continued: the proof of work that stands in for it (one
//! use, expiring, signed by this server), the no-JavaScript "Gambar lain" that keeps
//! the fields typed, one answer for the picture and the sound of an id, and the form
//! opened filled in from the pages that know the account.

use reqwest::StatusCode;
use spse_domain::reset::{MAX_CAPTCHA_RENDERS, POW_MAX_NUMBER, POW_SECS};
use spse_domain::user::UserKind;
use spse_usecases::PowChallenge;
use spse_usecases::pow::{self, PowKey};

use crate::helpers::*;
use crate::reset::SUBJECT;
use crate::reset_request::{EMAIL, captcha_id, solve};

async fn with_captcha() -> TestApp {
    let app = spawn_with(|raw| raw.set("captcha", "on")).await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    app
}

/// A challenge as the form's script fetches it.
async fn challenge(b: &Browser) -> PowChallenge {
    let response = b
        .client
        .get(format!("{}/captcha/pow", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["algorithm"], "SHA-256");
    assert_eq!(json["maxnumber"], POW_MAX_NUMBER);
    let text = |key: &str| json[key].as_str().unwrap().to_string();
    PowChallenge {
        algorithm: "SHA-256",
        challenge: text("challenge"),
        maxnumber: json["maxnumber"].as_u64().unwrap(),
        salt: text("salt"),
        signature: text("signature"),
    }
}

/// What `pow.js` posts for a challenge.
fn solved(challenge: &PowChallenge) -> String {
    pow::payload(challenge, pow::solve(challenge).expect("solvable"))
}

/// The reset form sent for PPK30 with a proof of work and a typed captcha (either may
/// be empty), as a browser sends it from a fresh form. Returns the page with the
/// form's captcha id put back as `ID`, so two answers compare byte for byte.
async fn send(b: &Browser, altcha: &str, typed: &str) -> (StatusCode, String) {
    let form = b.get("/reset-totp").await;
    let id = captcha_id(&form);
    let page = b
        .post(
            "/reset-totp",
            &[
                ("user_id", "PPK30"),
                ("email", EMAIL),
                ("kind", "non-penyedia"),
                ("captcha_id", &id),
                ("captcha", typed),
                ("altcha", altcha),
            ],
        )
        .await;
    normalized(page)
}

/// A page with its form's captcha id (if it shows a form) put back as `ID`.
fn normalized(page: Page) -> (StatusCode, String) {
    if !page.body.contains("name=\"captcha_id\"") {
        return (page.status, page.body);
    }
    let shown = captcha_id(&page);
    (page.status, page.body.replace(&shown, "ID"))
}

/// What a wrong typed captcha gets: the answer every bad proof must get too.
async fn wrong_captcha(b: &Browser, app: &TestApp) -> (StatusCode, String) {
    let form = b.get("/reset-totp").await;
    let id = captcha_id(&form);
    b.client
        .get(format!("{}/captcha?id={id}", app.base))
        .send()
        .await
        .unwrap();
    let answer = solve(app, &id).await;
    let wrong = format!("{:05}", (answer.parse::<u32>().unwrap() + 1) % 100_000);
    let page = b
        .post(
            "/reset-totp",
            &[
                ("user_id", "PPK30"),
                ("email", EMAIL),
                ("kind", "non-penyedia"),
                ("captcha_id", &id),
                ("captcha", &wrong),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("Kode Keamanan salah"));
    normalized(page)
}

async fn reset_codes(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM reset_codes").await
}

#[tokio::test]
async fn a_solved_challenge_stands_in_for_the_captcha_once() {
    let app = with_captcha().await;
    let b = app.browser();
    let form = b.get("/reset-totp").await;
    assert!(form.body.contains("id=\"pow-payload\""), "the hidden field");
    assert!(form.body.contains("src=\"/static/pow.js\""));

    let rows = "SELECT (SELECT COUNT(*) FROM captchas) + (SELECT COUNT(*) FROM pow_spent)";
    let before = app.count(rows).await;
    let c = challenge(&b).await;
    assert_eq!(app.count(rows).await, before, "a challenge writes nothing");
    let payload = solved(&c);

    let (status, body) = send(&b, &payload, "").await;
    assert_eq!(status, StatusCode::OK, "no captcha typed: {body}");
    assert!(body.contains("Email untuk Reset TOTP sudah terkirim ke"));
    assert_eq!(reset_codes(&app).await, 1);
    app.mail_with(SUBJECT).await;

    let refused = wrong_captcha(&b, &app).await;
    assert_eq!(send(&b, &payload, "").await, refused, "a replay");
    let elsewhere = Browser::from_address(&app.base, "127.0.0.2".parse().unwrap());
    assert_eq!(
        send(&elsewhere, &payload, "").await.0,
        StatusCode::BAD_REQUEST,
        "a replay from another address"
    );
    assert_eq!(reset_codes(&app).await, 1, "nothing more mailed");
}

#[tokio::test]
async fn forged_altered_and_other_challenges_proofs_get_the_wrong_captchas_answer() {
    let app = with_captcha().await;
    let b = app.browser();
    let refused = wrong_captcha(&b, &app).await;

    let now = app.clock_now();
    let forged = PowKey::new([7; 32]).challenge(now);
    let (a, other) = (challenge(&b).await, challenge(&b).await);
    assert!(a.salt.ends_with(&format!("?expires={}&", now + POW_SECS)));
    let number = pow::solve(&a).unwrap();
    let altered_number = pow::payload(&a, (number + 1) % (POW_MAX_NUMBER + 1));
    let others_signature = pow::payload(
        &PowChallenge {
            signature: other.signature.clone(),
            ..a.clone()
        },
        number,
    );
    let longer_life = PowChallenge {
        salt: a
            .salt
            .replace(&(now + POW_SECS).to_string(), &(now + 99_999).to_string()),
        ..a.clone()
    };
    let longer_life = pow::payload(&longer_life, number);
    for (what, payload) in [
        ("signed with another key", solved(&forged)),
        ("a number that does not solve it", altered_number),
        ("another challenge's signature", others_signature),
        ("its expiry moved", longer_life),
        ("not a payload", "bm90IGpzb24=".to_string()),
    ] {
        assert_eq!(send(&b, &payload, "").await, refused, "{what}");
    }
    assert_eq!(reset_codes(&app).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM pow_spent").await, 0);

    // The real one still works: the refusals spent nothing.
    assert_eq!(
        send(&b, &pow::payload(&a, number), "").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_proof_expires_with_its_challenge() {
    let app = with_captcha().await;
    let b = app.browser();
    let (in_time, late) = (challenge(&b).await, challenge(&b).await);
    let (in_time, late) = (solved(&in_time), solved(&late));

    app.clock.advance(POW_SECS - 1);
    assert_eq!(
        send(&b, &in_time, "").await.0,
        StatusCode::OK,
        "a second left"
    );
    app.clock.advance(1);
    let refused = wrong_captcha(&b, &app).await;
    assert_eq!(send(&b, &late, "").await, refused, "expired");
    assert_eq!(reset_codes(&app).await, 1);

    // The sweep drops the record of a spent proof once its challenge is over.
    assert_eq!(app.count("SELECT COUNT(*) FROM pow_spent").await, 1);
    app.auth.sweep_resets().await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM pow_spent").await, 0);
}

#[tokio::test]
async fn gambar_lain_without_javascript_keeps_the_fields_and_requests_nothing() {
    let app = with_captcha().await;
    let b = app.browser();
    let form = b.get("/reset-totp").await;
    let id = captcha_id(&form);
    assert!(
        form.body.contains("name=\"redraw\"") && form.body.contains("formnovalidate"),
        "a button that posts the form back"
    );
    let page = b
        .post(
            "/reset-totp",
            &[
                ("user_id", "PPK30"),
                ("email", EMAIL),
                ("kind", "penyedia"),
                ("captcha_id", &id),
                ("captcha", "12"),
                ("altcha", ""),
                ("redraw", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.error(), None);
    assert!(page.body.contains("value=\"PPK30\""), "user ID kept");
    assert!(
        page.body.contains(&format!("value=\"{EMAIL}\"")),
        "email kept"
    );
    assert!(
        page.body.contains("id=\"kind-penyedia\" checked"),
        "kind kept"
    );
    assert_ne!(captcha_id(&page), id, "a new captcha");
    assert_eq!(app.count("SELECT COUNT(*) FROM reset_requests").await, 0);
    assert!(
        app.events("PPK30")
            .await
            .iter()
            .all(|e| e != "reset_requested")
    );
    assert_eq!(reset_codes(&app).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM captchas").await,
        0,
        "no captcha drawn or taken"
    );
}

async fn render(b: &Browser, path: &str, id: &str) -> StatusCode {
    b.client
        .get(format!("{}{path}?id={id}", b.base))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn the_picture_and_the_sound_of_one_id_give_one_answer() {
    let app = with_captcha().await;
    let b = app.browser();
    let id = captcha_id(&b.get("/reset-totp").await);
    assert_eq!(render(&b, "/captcha", &id).await, StatusCode::OK);
    let answer = solve(&app, &id).await;
    assert_eq!(render(&b, "/captcha/audio", &id).await, StatusCode::OK);
    assert_eq!(render(&b, "/captcha/audio", &id).await, StatusCode::OK);
    assert_eq!(solve(&app, &id).await, answer, "the sound kept the answer");
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT answer_sealed FROM captchas")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(
        !sealed.windows(answer.len()).any(|w| w == answer.as_bytes()),
        "the answer is kept sealed, never in plain text"
    );
    let page = b
        .post(
            "/reset-totp",
            &[
                ("user_id", "PPK30"),
                ("email", EMAIL),
                ("kind", "non-penyedia"),
                ("captcha_id", &id),
                ("captcha", &answer),
            ],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the picture's answer after the sound"
    );

    // One id renders a few times only, so its answer cannot be drawn over and over.
    let id = captcha_id(&b.get("/reset-totp").await);
    for n in 0..MAX_CAPTCHA_RENDERS {
        let path = if n % 2 == 0 {
            "/captcha"
        } else {
            "/captcha/audio"
        };
        assert_eq!(render(&b, path, &id).await, StatusCode::OK, "render {n}");
    }
    assert_eq!(
        render(&b, "/captcha", &id).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let fresh = captcha_id(&b.get("/reset-totp").await);
    assert_eq!(
        render(&b, "/captcha", &fresh).await,
        StatusCode::OK,
        "a new id"
    );
}

#[tokio::test]
async fn the_form_opens_filled_in_from_the_pages_that_know_the_account() {
    let app = spawn_app().await;
    app.add_active_user("PPK31", UserKind::Penyedia).await;
    let b = app.browser();
    let form = b.get("/reset-totp?kind=penyedia&user_id=PPK31").await;
    assert!(form.body.contains("id=\"kind-penyedia\" checked"));
    assert!(
        form.body
            .contains("id=\"user_id\" name=\"user_id\" value=\"PPK31\"")
    );
    let too_long = "x".repeat(65);
    let form = b.get(&format!("/reset-totp?user_id={too_long}")).await;
    assert!(
        !form.body.contains(&format!("value=\"{too_long}\"")),
        "only a prefill, bounded"
    );

    let user_step = b.get("/login/penyedia").await;
    assert!(
        user_step
            .body
            .contains("href=\"/reset-totp?kind=penyedia\" id=\"reset-totp-link\""),
        "{}",
        user_step.body
    );
    assert!(user_step.body.contains("src=\"/static/reset-link.js\""));

    let (_, acceptor) = app.at_acceptor(UserKind::Penyedia, "PPK31", PASSWORD).await;
    assert!(
        acceptor.body.contains(
            "href=\"/reset-totp?kind=penyedia&amp;user_id=PPK31\" id=\"reset-totp-link\""
        ),
        "{}",
        acceptor.body
    );
}

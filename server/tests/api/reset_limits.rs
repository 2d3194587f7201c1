//! The reset request's limits: per address for every request, per account for the mails
//! actually sent, so a stranger cannot use up the owner's quota.

use reqwest::StatusCode;
use spse_domain::user::UserKind;

use crate::helpers::*;
use crate::reset::request_reset;
use crate::reset_request::EMAIL;

/// A stranger who does not know the account's email cannot stop its owner from getting
/// a reset mail: requests that match nothing never use up the account's quota.
#[tokio::test]
async fn requests_that_do_not_match_never_use_up_the_owners_quota() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let stranger = Browser::from_address(&app.base, "127.0.0.2".parse().unwrap());
    for n in 1..=19 {
        let page = request_reset(
            &stranger,
            "PPK30",
            "wrong@lpse.example.go.id",
            "non-penyedia",
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "request {n}");
    }
    let owner = Browser::from_address(&app.base, "127.0.0.3".parse().unwrap());
    let page = request_reset(&owner, "PPK30", EMAIL, "non-penyedia").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reset_codes").await,
        1,
        "mailed"
    );
}

/// Mails actually sent to one address stay limited, with the same answer past the
/// limit: five an hour.
#[tokio::test]
async fn mails_to_one_account_are_limited_with_the_same_answer() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let mut answers = Vec::new();
    for n in 0..7u8 {
        let b = Browser::from_address(&app.base, [127, 0, 1, n].into());
        answers.push(request_reset(&b, "PPK30", EMAIL, "non-penyedia").await);
    }
    assert!(answers.iter().all(|p| p.status == StatusCode::OK));
    assert_eq!(
        answers[6].by_id("reset-sent"),
        answers[0].by_id("reset-sent")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM reset_codes").await, 5);
    app.clock.advance(3600);
    request_reset(&app.browser(), "PPK30", EMAIL, "non-penyedia").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reset_codes").await,
        6,
        "an hour later"
    );
}

#[tokio::test]
async fn requests_are_limited_per_ip() {
    let app = spawn_app().await;
    app.add_active_user("PPK30", UserKind::NonPenyedia).await;
    let b = app.browser();
    for n in 1..=6 {
        let page = request_reset(&b, "PPK30", "wrong@lpse.example.go.id", "non-penyedia").await;
        assert_eq!(page.status, StatusCode::OK, "request {n}");
    }

    // Other accounts from the same IP, in parallel: 20 per hour in all.
    let pages = futures::future::join_all((0..15).map(|n| {
        let b = app.browser();
        async move {
            request_reset(&b, &format!("user{n}"), EMAIL, "penyedia")
                .await
                .status
        }
    }))
    .await;
    assert_eq!(pages.iter().filter(|s| **s == StatusCode::OK).count(), 14);
    assert_eq!(
        pages
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        1
    );

    // An hour later the address has room again.
    app.clock.advance(3600);
    let later = request_reset(&b, "PPK30", EMAIL, "non-penyedia").await;
    assert_eq!(later.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM reset_codes").await, 1);
}

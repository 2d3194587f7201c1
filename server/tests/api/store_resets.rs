//! The store contract, continued: reset requests, codes, mails and activation tickets,
//! and captchas, on SQLite and PostgreSQL.

use spse_store::*;

use crate::store_contract::{NOW, contract, h, user};

async fn resets_and_captchas(store: &SqlStore) {
    let pk = user(store, "E1").await;
    let counts = store
        .record_reset_request("10.0.0.1", "e1", NOW, NOW - 3600)
        .await
        .unwrap();
    assert_eq!((counts.from_ip, counts.for_account), (1, 1));
    // Mails to an account: at most `max` in the window, then none until it moves on.
    for expected in [true, true, false] {
        let claimed = store.claim_reset_mail("e1", NOW, NOW - 3600, 2).await;
        assert_eq!(claimed.unwrap(), expected);
    }
    assert!(
        store
            .claim_reset_mail("e1", NOW + 3601, NOW + 1, 2)
            .await
            .unwrap()
    );
    store
        .insert_reset_code(pk, "code-hash", NOW, NOW + 1800)
        .await
        .unwrap();
    assert_eq!(
        store
            .reset_code("code-hash")
            .await
            .unwrap()
            .unwrap()
            .user_pk,
        pk
    );
    let ticket = NewTicket {
        user_pk: pk,
        hash: "ticket-hash".into(),
        created_at: NOW + 10,
        expires_at: NOW + 1810,
        mailed: false,
    };
    assert!(
        store
            .redeem_reset_code(pk, "code-hash", NOW + 10, &ticket)
            .await
            .unwrap()
    );
    assert!(
        !store
            .redeem_reset_code(pk, "code-hash", NOW + 11, &ticket)
            .await
            .unwrap(),
        "single use"
    );
    // The reset leaves the account needing that ticket for its next activation.
    let reset = store.user_by_pk(pk).await.unwrap().unwrap();
    assert_eq!(reset.totp_reset_at, Some(NOW + 10));
    assert!(
        store
            .ticket_valid(pk, "ticket-hash", NOW + 1809)
            .await
            .unwrap()
    );
    assert!(
        !store
            .ticket_valid(pk, "ticket-hash", NOW + 1810)
            .await
            .unwrap()
    );
    assert!(!store.ticket_valid(pk, "other", NOW + 11).await.unwrap());
    assert_eq!(
        store.newest_mailed_ticket_at(pk, NOW + 11).await.unwrap(),
        None
    );
    let mailed = NewTicket {
        hash: "mailed-hash".into(),
        mailed: true,
        ..ticket.clone()
    };
    store.put_ticket(&mailed).await.unwrap();
    assert_eq!(
        store.newest_mailed_ticket_at(pk, NOW + 11).await.unwrap(),
        Some(NOW + 10)
    );
    assert_eq!(
        store.newest_mailed_ticket_at(pk, NOW + 1810).await.unwrap(),
        None
    );
    let put = |id, address| async move {
        let limit = CaptchaLimit {
            address,
            most: 2,
            now: NOW,
        };
        let expires_at = if id == "old" { NOW } else { NOW + 600 };
        let put = store.put_captcha(id, "answer", b"sealed", expires_at, &limit);
        put.await.unwrap()
    };
    assert!(put("cap", "10.0.0.1").await);
    assert_eq!(
        store.take_captcha("cap", NOW).await.unwrap().as_deref(),
        Some("answer")
    );
    assert_eq!(store.take_captcha("cap", NOW).await.unwrap(), None, "once");
    assert!(put("a", "10.0.0.1").await);
    assert!(put("b", "10.0.0.1").await);
    assert!(!put("a", "10.0.0.1").await, "an id held keeps its answer");
    assert!(!put("c", "10.0.0.1").await, "a third is refused");
    assert!(put("c", "10.0.0.2").await, "another address");
    assert!(put("old", "10.0.0.3").await);
    assert!(store.delete_stale_resets(NOW + 1, NOW + 1).await.unwrap() >= 1);

    let gauges = store.shared_gauges(NOW).await.unwrap();
    assert_eq!(gauges.mail_queued, 0);
    store.publish_notice(&h("any")).await.unwrap();
}
contract!(resets_and_captchas, resets_sqlite, resets_postgres);

/// One answer per captcha id, rendered a bounded number of times; proofs of work spent
/// once, bounded per address, and swept once expired.
async fn captcha_renders_and_proofs(store: &SqlStore) {
    let limit = CaptchaLimit {
        address: "10.0.0.1",
        most: 2,
        now: NOW,
    };
    assert!(
        store
            .put_captcha("r", "hash", b"sealed", NOW + 600, &limit)
            .await
            .unwrap()
    );
    for render in 2..=3 {
        let again = store.render_captcha("r", NOW, 3).await.unwrap();
        assert_eq!(again.as_deref(), Some(&b"sealed"[..]), "render {render}");
    }
    assert_eq!(
        store.render_captcha("r", NOW, 3).await.unwrap(),
        None,
        "bound"
    );
    assert_eq!(store.render_captcha("none", NOW, 3).await.unwrap(), None);
    assert_eq!(
        store.render_captcha("r", NOW + 600, 9).await.unwrap(),
        None,
        "expired"
    );
    assert!(
        store
            .put_captcha(
                "r",
                "new",
                b"new",
                NOW + 1200,
                &CaptchaLimit {
                    now: NOW + 600,
                    ..limit
                }
            )
            .await
            .unwrap(),
        "an expired id starts again"
    );

    let spend = |hash: &'static str, address: &'static str, now: i64| async move {
        let limit = CaptchaLimit {
            address,
            most: 2,
            now,
        };
        store.spend_pow(hash, now + 600, &limit).await.unwrap()
    };
    assert_eq!(spend("p1", "10.0.0.1", NOW).await, PowSpend::Spent);
    assert_eq!(spend("p1", "10.0.0.1", NOW).await, PowSpend::Replayed);
    assert_eq!(
        spend("p1", "10.0.0.2", NOW).await,
        PowSpend::Replayed,
        "from anywhere"
    );
    assert_eq!(spend("p2", "10.0.0.1", NOW).await, PowSpend::Spent);
    assert_eq!(spend("p3", "10.0.0.1", NOW).await, PowSpend::Full);
    assert_eq!(spend("p3", "10.0.0.2", NOW).await, PowSpend::Spent);
    assert!(store.delete_stale_resets(NOW + 600, NOW).await.unwrap() >= 3);
    assert_eq!(
        spend("p4", "10.0.0.1", NOW + 600).await,
        PowSpend::Spent,
        "swept"
    );
}
contract!(
    captcha_renders_and_proofs,
    captchas_sqlite,
    captchas_postgres
);

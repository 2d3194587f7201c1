//! The store contract: every store operation, directly, against SQLite and PostgreSQL.
//! Each test runs twice (`_sqlite`, `_postgres`) on a database made for it alone.

use spse_domain::event::EventName;
use spse_domain::lockout::LockoutPolicy;
use spse_domain::secret::SessionHash;
use spse_domain::session::Stage;
use spse_domain::user::{Role, UserKind};
use spse_store::*;

use crate::database::TestDatabase;

pub(crate) const NOW: i64 = 1_800_000_000;

/// A fresh store of either kind, and what keeps its database alive.
pub(crate) async fn fresh(postgres: bool) -> (SqlStore, TestDatabase, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (database, url) = TestDatabase::create(postgres).await;
    let url = url.unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("contract.db").display()
        )
    });
    (
        connect(&url, true)
            .await
            .expect("store connects and migrates"),
        database,
        dir,
    )
}

macro_rules! contract {
    ($name:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let (store, _db, _dir) = $crate::store_contract::fresh(false).await;
            $name(&store).await;
        }
        #[tokio::test]
        async fn $postgres() {
            if $crate::database::skip_without_postgres() {
                return;
            }
            let (store, _db, _dir) = $crate::store_contract::fresh(true).await;
            $name(&store).await;
        }
    };
}
pub(crate) use contract;

pub(crate) async fn user(store: &SqlStore, id: &str) -> i64 {
    store
        .insert_user(
            &NewUser {
                user_id: id.into(),
                user_key: id.to_lowercase(),
                kind: UserKind::Penyedia,
                email: format!("{id}@example.go.id"),
                name: "Kontrak".into(),
                role: Role::User,
                password_hash: "$argon2id$stub".into(),
            },
            NOW,
        )
        .await
        .unwrap()
}

fn session(hash: &str, user_pk: Option<i64>, stage: Stage) -> SessionRecord {
    SessionRecord {
        id_hash: h(hash),
        user_pk,
        claimed_user_id: "A1".into(),
        kind: UserKind::Penyedia,
        stage,
        created_at: NOW,
        last_seen_at: NOW,
        expires_at: NOW + 600,
        ip: "127.0.0.1".into(),
        user_agent: "contract".into(),
        amr: String::new(),
    }
}

async fn users_and_counters(store: &SqlStore) {
    store.ping().await.unwrap();
    assert!(store.migrations_current().await.unwrap());
    store.heartbeat(NOW).await.unwrap();
    store.heartbeat(NOW + 1).await.unwrap();
    let beat: i64 = sqlx::query_scalar("SELECT beat_at FROM heartbeat")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(beat, NOW + 1, "one row, overwritten");
    let pk = user(store, "A1").await;
    assert!(matches!(
        store
            .insert_user(
                &NewUser {
                    user_id: "a1".into(),
                    user_key: "a1".into(),
                    kind: UserKind::NonPenyedia,
                    email: "x@example.go.id".into(),
                    name: "Dup".into(),
                    role: Role::User,
                    password_hash: "h".into()
                },
                NOW
            )
            .await,
        Err(StoreError::Duplicate)
    ));
    assert_eq!(store.user_by_key("a1").await.unwrap().unwrap().pk, pk);
    assert_eq!(store.list_users().await.unwrap().len(), 1);
    store.set_password_hash(pk, "new").await.unwrap();
    assert_eq!(
        store
            .user_by_pk(pk)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .expose(),
        "new"
    );

    let policy = LockoutPolicy::new(3, 900);
    for n in 1..=3 {
        let r = store
            .reserve_attempt(pk, Factor::Password, NOW, &policy, 900)
            .await
            .unwrap();
        assert_eq!(
            r,
            Reservation::Allowed {
                locks_on_failure: n == 3
            },
            "attempt {n}"
        );
    }
    assert_eq!(
        store
            .reserve_attempt(pk, Factor::Password, NOW + 899, &policy, 900)
            .await
            .unwrap(),
        Reservation::Locked
    );
    assert!(matches!(
        store
            .reserve_attempt(pk, Factor::Password, NOW + 900, &policy, 900)
            .await
            .unwrap(),
        Reservation::Allowed { .. }
    ));
    assert_eq!(
        store
            .user_by_pk(pk)
            .await
            .unwrap()
            .unwrap()
            .password_lock
            .lock_count,
        1
    );
    store.clear_failures(pk, Factor::Password).await.unwrap();
    assert_eq!(
        store.user_by_pk(pk).await.unwrap().unwrap().password_lock,
        LockState::default()
    );
    store.set_disabled(pk, true).await.unwrap();
    assert!(store.user_by_pk(pk).await.unwrap().unwrap().disabled);
}
contract!(
    users_and_counters,
    users_and_counters_sqlite,
    users_and_counters_postgres
);

async fn activation_steps_and_devices(store: &SqlStore) {
    let pk = user(store, "B1").await;
    let pending = NewActivation {
        user_pk: pk,
        secret: vec![1, 2, 3].into(),
        enroll_hash: "enroll-hash".into(),
        session_hash: h("s1"),
        created_at: NOW,
        expires_at: NOW + 900,
    };
    store.put_activation(&pending).await.unwrap();
    assert_eq!(
        *store.activation(pk).await.unwrap().unwrap().secret.expose(),
        vec![1, 2, 3]
    );
    assert_eq!(
        store
            .activation_by_enroll_hash("enroll-hash")
            .await
            .unwrap()
            .unwrap()
            .0,
        pk
    );
    let device = DeviceRecord {
        id: "dev1".into(),
        user_pk: pk,
        public_key: "ab".repeat(32),
        name: "HP".into(),
        created_at: NOW,
        revoked_at: None,
    };
    assert!(
        store
            .enroll_device(&device, &[9, 9], 100, NOW)
            .await
            .unwrap()
    );
    assert!(
        !store
            .enroll_device(&device, &[9, 9], 100, NOW)
            .await
            .unwrap(),
        "once"
    );
    assert_eq!(store.active_device(pk).await.unwrap().unwrap().id, "dev1");
    assert!(store.take_enrolled_activation(pk, &h("s1")).await.unwrap());
    assert!(!store.take_enrolled_activation(pk, &h("s1")).await.unwrap());
    // The next step is claimed once; an earlier or equal one never.
    assert!(store.claim_step(pk, 101, NOW, true).await.unwrap());
    assert!(!store.claim_step(pk, 101, NOW, true).await.unwrap());
    assert!(!store.claim_step(pk, 100, NOW, true).await.unwrap());
    // A new activation by code revokes the device.
    store
        .put_activation(&NewActivation {
            enroll_hash: "e2".into(),
            ..pending.clone()
        })
        .await
        .unwrap();
    assert!(
        store
            .complete_activation(pk, &[7], 200, NOW + 10)
            .await
            .unwrap()
    );
    assert!(store.active_device(pk).await.unwrap().is_none());
    assert!(
        store
            .device("dev1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
    assert!(store.use_nonce("dev1", "n1", NOW + 100).await.unwrap());
    assert!(
        !store.use_nonce("dev1", "n1", NOW + 100).await.unwrap(),
        "replay"
    );
    assert_eq!(store.delete_expired_nonces(NOW + 100).await.unwrap(), 1);
    // Taking TOTP off ends it all.
    store.clear_totp(pk, NOW + 20, None).await.unwrap();
    assert!(
        store
            .user_by_pk(pk)
            .await
            .unwrap()
            .unwrap()
            .totp_secret
            .is_none()
    );
}
contract!(
    activation_steps_and_devices,
    activation_sqlite,
    activation_postgres
);

async fn sessions_and_events(store: &SqlStore) {
    let pk = user(store, "C1").await;
    store
        .insert_session(&session("h1", None, Stage::Identified))
        .await
        .unwrap();
    assert!(
        store
            .replace_session(&h("h1"), &session("h2", Some(pk), Stage::PasswordOk))
            .await
            .unwrap()
    );
    assert!(
        !store
            .replace_session(&h("h1"), &session("h3", Some(pk), Stage::Full))
            .await
            .unwrap(),
        "old id gone"
    );
    assert!(store.session(&h("h1")).await.unwrap().is_none());
    store.touch_session(&h("h2"), NOW + 60).await.unwrap();
    assert_eq!(
        store.session(&h("h2")).await.unwrap().unwrap().last_seen_at,
        NOW + 60
    );
    assert_eq!(
        store.delete_stale_sessions(NOW + 600, 1800).await.unwrap(),
        1
    );
    for n in 0..3 {
        store
            .insert_event(&EventRecord {
                at: NOW + n,
                user_pk: Some(pk),
                user_id: "C1".into(),
                event: EventName::from_stored(format!("e{n}")),
                ip: "127.0.0.1".into(),
                user_agent: "ua".into(),
                detail: String::new(),
            })
            .await
            .unwrap();
    }
    let events = store.events_for_user(pk, 2).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.event.as_str()).collect::<Vec<_>>(),
        ["e2", "e1"]
    );
}
contract!(sessions_and_events, sessions_sqlite, sessions_postgres);

/// The session and its account in one read, as every request behind a cookie makes it:
/// the session's own kind and creation time (not the account's), no account before the
/// password step, and whether a new password is required.
async fn session_with_its_account(store: &SqlStore) {
    let pk = user(store, "J1").await;
    assert!(store.session_with_user(&h("none")).await.unwrap().is_none());
    let mut claim = session("j0", None, Stage::Identified);
    claim.kind = UserKind::NonPenyedia;
    claim.created_at = NOW + 5;
    store.insert_session(&claim).await.unwrap();
    let read = store.session_with_user(&h("j0")).await.unwrap().unwrap();
    assert!(read.user.is_none(), "no account before the password step");
    assert_eq!(
        read.session.kind,
        UserKind::NonPenyedia,
        "the session's kind"
    );
    assert_eq!(read.session.created_at, NOW + 5, "the session's time");
    assert!(!read.password_change_required);

    store
        .insert_session(&session("j1", Some(pk), Stage::PasswordOk))
        .await
        .unwrap();
    let read = store.session_with_user(&h("j1")).await.unwrap().unwrap();
    let account = read.user.expect("the account read with it");
    assert_eq!((account.pk, account.user_id.as_str()), (pk, "J1"));
    assert_eq!(account.created_at, NOW);
    assert_eq!(read.session.stage, Stage::PasswordOk);
    assert!(!read.password_change_required);
    store.require_password_change(pk, NOW).await.unwrap();
    let read = store.session_with_user(&h("j1")).await.unwrap().unwrap();
    assert!(read.password_change_required);
}
contract!(
    session_with_its_account,
    session_with_account_sqlite,
    session_with_account_postgres
);

async fn approvals(store: &SqlStore) {
    let pk = user(store, "D1").await;
    let approval = |id: &str| ApprovalRecord {
        id: id.into(),
        user_pk: pk,
        session_hash: SessionHash::from_stored(format!("s-{id}")),
        purpose: if id == "c" {
            ApprovalPurpose::DisableTotp
        } else {
            ApprovalPurpose::Login
        },
        number: 42,
        state: ApprovalState::Pending,
        created_at: NOW,
        expires_at: NOW + 120,
        ip: "127.0.0.1".into(),
        user_agent: "ua".into(),
    };
    for id in ["a", "b", "c"] {
        assert!(store.create_approval(&approval(id), 3).await.unwrap());
    }
    assert!(
        !store.create_approval(&approval("d"), 3).await.unwrap(),
        "at most 3"
    );
    let purposes = [
        store.approval("a").await.unwrap().map(|a| a.purpose),
        store.approval("c").await.unwrap().map(|a| a.purpose),
    ];
    assert_eq!(
        purposes,
        [
            Some(ApprovalPurpose::Login),
            Some(ApprovalPurpose::DisableTotp)
        ]
    );
    assert_eq!(store.pending_approvals(pk, NOW).await.unwrap().len(), 3);
    assert!(
        store
            .decide_approval("a", ApprovalState::Approved, NOW)
            .await
            .unwrap()
    );
    assert!(
        !store
            .decide_approval("a", ApprovalState::Denied, NOW)
            .await
            .unwrap(),
        "first wins"
    );
    assert!(
        !store
            .decide_approval("b", ApprovalState::Approved, NOW + 120)
            .await
            .unwrap(),
        "expired"
    );
    assert_eq!(
        store
            .latest_approval_for_session(&h("s-a"))
            .await
            .unwrap()
            .unwrap()
            .state,
        ApprovalState::Approved
    );
    assert!(store.consume_approval("a").await.unwrap());
    assert!(!store.consume_approval("a").await.unwrap());
    store.pause_approvals(pk, NOW + 60).await.unwrap();
    assert!(
        !store.create_approval(&approval("e"), 10).await.unwrap(),
        "paused"
    );
    assert_eq!(store.approval("c").await.unwrap().unwrap().number, 42);
}
contract!(approvals, approvals_sqlite, approvals_postgres);

/// A session hash as the store would hold one.
pub(crate) fn h(hash: &str) -> SessionHash {
    SessionHash::from_stored(hash.to_string())
}

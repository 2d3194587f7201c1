//! SCIM 2.0 provisioning at `/scim/v2`: the bearer token (none, wrong, revoked), the
//! errors in SCIM's format, creating accounts through the path `user add` takes, lists
//! with a filter and pages, and staff accounts kept out of reach.

use reqwest::StatusCode;
use serde_json::json;
use spse_domain::user::{Role, UserKind};
use sqlx::Row;

use crate::helpers::*;
use crate::scim_support::*;

#[tokio::test]
async fn no_token_a_wrong_one_and_a_revoked_one_are_refused() {
    let app = spawn_app().await;
    let none = Scim::new(&app, None).get("/Users").await;
    none.error(401);
    assert_eq!(
        none.headers["www-authenticate"].to_str().unwrap(),
        "Bearer realm=\"SCIM\""
    );
    let wrong = format!("spse_scim_{}", "0".repeat(64));
    Scim::new(&app, Some(&wrong)).get("/Users").await.error(401);
    Scim::new(&app, Some("not-even-one-of-ours"))
        .get("/ServiceProviderConfig")
        .await
        .error(401);

    let token = add_token(&app, "sirup").await;
    assert_eq!(token.len(), "spse_scim_".len() + 64, "256 random bits");
    let scim = Scim::new(&app, Some(&token));
    let listed = scim.get("/Users").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.content_type, "application/scim+json");
    // Only a keyed hash is kept, and when the token was last used.
    let row = sqlx::query("SELECT token_hash, last_used_at FROM scim_tokens WHERE name = 'sirup'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let stored: String = row.get(0);
    assert_ne!(stored, token);
    assert!(!stored.contains(&token[10..]));
    assert_eq!(row.get::<Option<i64>, _>(1), Some(app.clock_now()));
    // Another scheme, or a second Authorization header, is no bearer token.
    let basic = reqwest::Client::new()
        .get(format!("{}/Users", scim.base))
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);

    let list = app.run_cli(&["scim", "token", "list"]).await;
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("sirup") && listed.contains("cli:"),
        "{listed}"
    );
    assert!(!listed.contains(&token), "never shown again");
    let revoked = app.run_cli(&["scim", "token", "revoke", "sirup"]).await;
    assert!(revoked.status.success());
    scim.get("/Users").await.error(401);
    let again = app.run_cli(&["scim", "token", "revoke", "sirup"]).await;
    assert!(!again.status.success(), "nothing left to revoke");
    let events = app.event_details("").await;
    assert!(
        events
            .iter()
            .any(|(e, d)| e == "scim_token_added" && d.contains("sirup")),
        "{events:?}"
    );
    assert!(events.iter().any(|(e, _)| e == "scim_token_revoked"));
}

#[tokio::test]
async fn errors_come_in_scims_format() {
    let app = spawn_app().await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    let token = add_token(&app, "sirup").await;
    let scim = Scim::new(&app, Some(&token));

    let not_json = reqwest::Client::new()
        .post(format!("{}/Users", scim.base))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = not_json.json().await.unwrap();
    assert_eq!(body["scimType"], "invalidSyntax");

    let mut missing = new_user("VENDOR9", "penyedia");
    missing.as_object_mut().unwrap().remove("userName");
    let answer = scim.send("POST", "/Users", Some(&missing)).await;
    assert_eq!(answer.error(400).as_deref(), Some("invalidValue"));
    let mut password = new_user("VENDOR9", "penyedia");
    password["password"] = json!("rahasia-sekali");
    let answer = scim.send("POST", "/Users", Some(&password)).await;
    assert_eq!(answer.error(400).as_deref(), Some("invalidValue"));
    let mut kind = new_user("VENDOR9", "penyedia");
    kind[ACCOUNT_SCHEMA]["kind"] = json!("vendor");
    let answer = scim.send("POST", "/Users", Some(&kind)).await;
    assert_eq!(answer.error(400).as_deref(), Some("invalidValue"));
    let mut bad_id = new_user("VENDOR9", "penyedia");
    bad_id["userName"] = json!("vendor 9!");
    let answer = scim.send("POST", "/Users", Some(&bad_id)).await;
    assert_eq!(answer.error(400).as_deref(), Some("invalidValue"));
    // Taken, also without regard to case, and by an account made on the command line.
    let taken = scim
        .send("POST", "/Users", Some(&new_user("ppk1", "non-penyedia")))
        .await;
    assert_eq!(taken.error(409).as_deref(), Some("uniqueness"));

    let filter = scim
        .get("/Users?filter=displayName%20co%20%22Budi%22")
        .await;
    assert_eq!(filter.error(400).as_deref(), Some("invalidFilter"));
    let garbage = scim.get("/Users?filter=userName%20eq").await;
    assert_eq!(garbage.error(400).as_deref(), Some("invalidFilter"));
    assert_eq!(scim.get("/Users/999999").await.error(404), None);
    assert_eq!(scim.get("/Users/not-a-number").await.error(404), None);
    assert_eq!(scim.get("/Groups").await.error(404), None);
    let mut huge = new_user("VENDOR9", "penyedia");
    huge["displayName"] = json!("x".repeat(20_000));
    scim.send("POST", "/Users", Some(&huge)).await.error(413);
    scim.send("POST", "/Schemas", None).await.error(405);
    scim.send("DELETE", "/ServiceProviderConfig", None)
        .await
        .error(405);

    let id = scim.create("VENDOR9", "penyedia").await;
    let rename = scim
        .patch(
            &id,
            json!([{"op": "replace", "path": "userName", "value": "VENDOR10"}]),
        )
        .await;
    assert_eq!(rename.error(400).as_deref(), Some("mutability"));
    let unknown = scim
        .patch(
            &id,
            json!([{"op": "replace", "path": "title", "value": "Direktur"}]),
        )
        .await;
    assert_eq!(unknown.error(400).as_deref(), Some("invalidPath"));
    let no_schema = scim
        .send(
            "PATCH",
            &format!("/Users/{id}"),
            Some(&json!({"Operations": [{"op": "remove", "path": "externalId"}]})),
        )
        .await;
    assert_eq!(no_schema.error(400).as_deref(), Some("invalidSyntax"));
    let put = {
        let mut user = new_user("VENDOR10", "penyedia");
        user["id"] = json!(id);
        scim.send("PUT", &format!("/Users/{id}"), Some(&user)).await
    };
    assert_eq!(put.error(400).as_deref(), Some("mutability"));
    // Nothing of the refused requests was written.
    let user = scim.get(&format!("/Users/{id}")).await.body;
    assert_eq!(user["userName"], "VENDOR9");
    assert_eq!(user["externalId"], "sirup-VENDOR9");
}

#[tokio::test]
async fn created_accounts_are_ordinary_ones_listed_by_filter_and_page() {
    let app = spawn_app().await;
    app.add_user("PPK1", UserKind::NonPenyedia).await;
    app.add_user_with_role("HD1", UserKind::NonPenyedia, Role::Helpdesk)
        .await;
    let token = add_token(&app, "sirup").await;
    let scim = Scim::new(&app, Some(&token));

    let created = scim
        .send("POST", "/Users", Some(&new_user("VENDOR1", "penyedia")))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let user = &created.body;
    let id = user["id"].as_str().unwrap();
    assert_eq!(
        created.headers["location"].to_str().unwrap(),
        format!("{}/Users/{id}", scim.base)
    );
    assert_eq!(
        user["meta"]["location"],
        format!("{}/Users/{id}", scim.base)
    );
    assert_eq!(user["meta"]["resourceType"], "User");
    assert_eq!(user["meta"]["created"], "2027-01-15T08:00:10Z");
    assert_eq!(user["active"], true);
    assert_eq!(
        user["emails"],
        json!([{"value": "vendor1@vendor.example.co.id"}])
    );
    assert_eq!(user[ACCOUNT_SCHEMA]["kind"], "penyedia");
    assert!(user.get("password").is_none());
    // The row `user add` would write, with a password nobody knows.
    let row = sqlx::query(
        "SELECT kind, email, name, role, password_hash, disabled FROM users WHERE user_key = 'vendor1'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("kind"), "penyedia");
    assert_eq!(row.get::<String, _>("name"), "Pengguna VENDOR1");
    assert_eq!(row.get::<String, _>("role"), "user");
    assert!(
        row.get::<String, _>("password_hash")
            .starts_with("$argon2id$")
    );
    assert_eq!(row.get::<i64, _>("disabled"), 0);
    let login = app
        .browser()
        .password_step(UserKind::Penyedia, "VENDOR1", PASSWORD)
        .await;
    assert_ne!(
        login.location(),
        Some("/totp/aktivasi"),
        "no password works"
    );
    assert_eq!(
        app.event_details("VENDOR1").await[0],
        (
            "scim_created".to_string(),
            "by SCIM token sirup".to_string()
        )
    );
    for n in 2..=4 {
        scim.create(&format!("VENDOR{n}"), "penyedia").await;
    }

    // The command line's account is there; the helpdesk's is not, even by name or id.
    let found = scim
        .get("/Users?filter=userName%20eq%20%22ppk1%22")
        .await
        .body;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["userName"], "PPK1");
    assert_eq!(
        found["Resources"][0][ACCOUNT_SCHEMA]["kind"],
        "non-penyedia"
    );
    let staff = scim
        .get("/Users?filter=userName%20eq%20%22HD1%22")
        .await
        .body;
    assert_eq!(staff["totalResults"], 0);
    let staff_pk: i64 = sqlx::query("SELECT id FROM users WHERE user_key = 'hd1'")
        .fetch_one(&app.db)
        .await
        .unwrap()
        .get(0);
    scim.get(&format!("/Users/{staff_pk}")).await.error(404);
    let by_external = scim
        .get("/Users?filter=externalId%20eq%20%22sirup-VENDOR3%22")
        .await
        .body;
    assert_eq!(by_external["Resources"][0]["userName"], "VENDOR3");

    let all = scim.get("/Users").await.body;
    assert_eq!(all["totalResults"], 5, "PPK1 and four vendors");
    let page = scim.get("/Users?startIndex=2&count=2").await.body;
    assert_eq!(page["totalResults"], 5);
    assert_eq!(page["startIndex"], 2);
    assert_eq!(page["itemsPerPage"], 2);
    let names: Vec<&str> = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["VENDOR1", "VENDOR2"]);
    let past = scim.get("/Users?startIndex=9").await.body;
    assert_eq!(past["itemsPerPage"], 0);
    assert_eq!(past["totalResults"], 5);
    let only = scim.get("/Users?count=1&attributes=userName").await.body;
    let first = only["Resources"][0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["id", "schemas", "userName"]);
    let searched = scim
        .send(
            "POST",
            "/Users/.search",
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "userName eq \"VENDOR4\"",
                "excludedAttributes": ["emails"],
            })),
        )
        .await
        .body;
    assert_eq!(searched["totalResults"], 1);
    assert!(searched["Resources"][0].get("emails").is_none());
}

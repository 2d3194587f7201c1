//! Drawing a captcha writes a row, and the image is open to anyone: one address holds a
//! bounded number of unexpired captchas.

use reqwest::StatusCode;
use spse_domain::reset::{CAPTCHA_SECS, MAX_CAPTCHAS_PER_ADDRESS};

use crate::helpers::*;

async fn draw(b: &Browser, id: &str) -> StatusCode {
    b.client
        .get(format!("{}/captcha?id={id}", b.base))
        .send()
        .await
        .unwrap()
        .status()
}

fn id(n: i64) -> String {
    format!("{n:032x}")
}

#[tokio::test]
async fn one_address_draws_a_bounded_number_of_captchas() {
    let app = spawn_app().await;
    let b = app.browser();
    for n in 0..MAX_CAPTCHAS_PER_ADDRESS {
        assert_eq!(draw(&b, &id(n)).await, StatusCode::OK, "captcha {n}");
    }
    let past = MAX_CAPTCHAS_PER_ADDRESS;
    assert_eq!(draw(&b, &id(past)).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM captchas").await,
        MAX_CAPTCHAS_PER_ADDRESS,
        "nothing written past the bound"
    );
    assert_eq!(
        draw(&b, &id(0)).await,
        StatusCode::OK,
        "a redraw of one held"
    );
    let elsewhere = Browser::from_address(&app.base, "127.0.0.2".parse().unwrap());
    assert_eq!(draw(&elsewhere, &id(past)).await, StatusCode::OK);

    // Once they expire, the address may draw again.
    app.clock.advance(CAPTCHA_SECS);
    assert_eq!(draw(&b, &id(past + 1)).await, StatusCode::OK);
}

//! Hostile input: SQL-shaped strings, oversized bodies, another site's data. Always a clear
//! 4xx, never a 500, and never an effect.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_of, TestApp};
use crate::on_both_backends;

const SQLISH: [&str; 4] =
    ["' OR '1'='1", "1; DROP TABLE sales; --", "\" OR 1=1 --", "%' UNION SELECT * FROM users --"];

on_both_backends! {
    async fn sql_shaped_input_is_just_data(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let token = app.token(&clerk, "counter").await;
        for evil in SQLISH {
            let sign_in = json!({ "username": evil, "password": evil, "device_id": "d" });
            let refused = app.call(Method::POST, "/portal/v1/sessions", None, Some(sign_in)).await;
            assert_eq!(error_of(refused, 401)["code"], "invalid_credentials");
            let sale = json!({ "resident_id": evil, "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() });
            assert_eq!(error_of(app.post_as(&token, "/portal/v1/sales", sale).await, 400)["field"], "resident_id");
            let encoded: String = url_encode(evil);
            assert_eq!(app.get(&format!("/corona19-masks/v1/storesByAddr/json?address={encoded}")).await.status, 400);
            assert_eq!(app.get(&format!("/v2/stores/{encoded}")).await.status, 404);
            assert_eq!(app.get_as(&token, &format!("/portal/v1/sales?date={encoded}")).await.status, 400);
        }
        // The tables are all still there and intact.
        assert_eq!(app.get_as(&token, "/portal/v1/sales").await.status, 200);
        assert_eq!(app.get("/readyz").await.status, 200);
    }
}

on_both_backends! {
    async fn a_clerk_sees_and_touches_only_their_own_site(app: TestApp) {
        use chrono::TimeZone;
        app.travel_to(chrono::Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap()); // a Wednesday: 3·8
        let here = app.seed_clerk("11817488", 1);
        let there = app.seed_clerk("11817489", 1);
        let (here, there) = (app.token(&here, "a").await, app.token(&there, "b").await);
        app.post_as(&there, "/portal/v1/stock-in", json!({ "quantity": 10, "client_key": uuid::Uuid::new_v4().to_string() })).await;
        let theirs = maskportal::domain::resident_id::valid_rrn(chrono::NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, 1);
        let sale = app.post_as(&there, "/portal/v1/sales", json!({ "resident_id": theirs, "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() })).await;
        assert_eq!(app.get_as(&here, "/portal/v1/stock").await.body["on_hand"], 0, "stock is per site");
        assert_eq!(app.get_as(&here, "/portal/v1/sales").await.body["sales"], json!([]));
        assert_eq!(sale.status, 201);
        let void = format!("/portal/v1/sales/{}/void", sale.body["sale_id"]);
        let refused = app.post_as(&here, &void, json!({ "reason": "not mine", "client_key": uuid::Uuid::new_v4().to_string() })).await;
        assert_eq!(error_of(refused, 403)["code"], "forbidden");
    }
}

#[tokio::test]
async fn oversized_writes_are_413_before_any_work() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let clerk = app.seed_clerk("11817488", 1);
    let token = app.token(&clerk, "counter").await;
    let huge = json!({ "quantity": 1, "reference": "x".repeat(64 * 1024), "client_key": uuid::Uuid::new_v4().to_string() });
    assert_eq!(
        error_of(app.post_as(&token, "/portal/v1/stock-in", huge).await, 413)["code"],
        "body_too_large"
    );
    assert_eq!(app.get_as(&token, "/portal/v1/stock").await.body["on_hand"], 0);
}

fn url_encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

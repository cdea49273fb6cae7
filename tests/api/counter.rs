//! The counter: stock-in, eligibility, sales, voids, idempotency and exact stock under load.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use futures_util::future::join_all;
use maskportal::domain::resident_id::valid_rrn;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_of, Reply, TestApp, TestClerk, TestDatabase};
use crate::on_both_backends;

/// Wednesday 11 March 2020, 10:00 in Korea: birth years ending in 3 and 8 may buy.
fn wednesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap()
}

/// A valid resident number for someone born in `year` (serial makes people distinct).
fn rrn(year: i32, serial: u32) -> String {
    let g = if year >= 2000 { 3 } else { 1 };
    valid_rrn(NaiveDate::from_ymd_opt(year, 5, 15).unwrap(), g, serial)
}

/// Completes the first 12 digits (hyphen optional) with the right check digit.
fn with_check_digit(first12: &str) -> String {
    const WEIGHTS: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let digits = first12.chars().filter_map(|c| c.to_digit(10));
    let sum: u32 = digits.zip(WEIGHTS).map(|(d, w)| d * w).sum();
    format!("{first12}{}", (11 - sum % 11) % 10)
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A site with `stock` masks and a signed-in clerk, at Wednesday 10:00 KST.
async fn open_site(app: &TestApp, code: &str, stock: i64) -> String {
    let clerk = app.seed_clerk(code, 1);
    signed_in_with_stock(app, &clerk, stock).await
}

async fn signed_in_with_stock(app: &TestApp, clerk: &TestClerk, stock: i64) -> String {
    let token = app.token(clerk, "counter-1").await;
    if stock > 0 {
        let reply = stock_in(app, &token, stock).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    token
}

async fn stock_in(app: &TestApp, token: &str, quantity: i64) -> Reply {
    app.post_as(token, "/portal/v1/stock-in", json!({ "quantity": quantity, "client_key": key() })).await
}

async fn sell(app: &TestApp, token: &str, resident_id: &str, quantity: i64) -> Reply {
    let body = json!({ "resident_id": resident_id, "quantity": quantity, "client_key": key() });
    app.post_as(token, "/portal/v1/sales", body).await
}

async fn stock(app: &TestApp, token: &str) -> Value {
    let reply = app.get_as(token, "/portal/v1/stock").await;
    assert_eq!(reply.status, 200);
    reply.body
}

on_both_backends! {
    async fn a_delivery_sets_on_hand_and_stock_at(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 0).await;
        let before = stock(&app, &token).await;
        assert_eq!(before, json!({ "on_hand": 0, "stock_at": null, "remain_stat": "empty", "sales_halted": false, "sold_today": 0 }));

        let reply = stock_in(&app, &token, 150).await;
        assert_eq!(reply.status, 201);
        assert_eq!(reply.body["on_hand"], 150);
        assert!(reply.body["stock_at"].as_str().unwrap().starts_with("2020-03-11T10:00"), "{}", reply.body);
        let after = stock(&app, &token).await;
        assert_eq!(after["on_hand"], 150);
        assert_eq!(after["remain_stat"], "plenty");
        assert_eq!(after["stock_at"], reply.body["stock_at"]);
    }
}

on_both_backends! {
    async fn a_buyer_on_their_rotation_day_buys_and_stock_falls(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let reply = sell(&app, &token, &rrn(1983, 1), 2).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["quantity"], 2);
        assert_eq!(reply.body["on_hand"], 98);
        assert_eq!(reply.body["remaining_quota"], 0);
        let now = stock(&app, &token).await;
        assert_eq!((now["on_hand"].as_i64(), now["sold_today"].as_i64(), now["remain_stat"].as_str()), (Some(98), Some(2), Some("some")));
    }
}

on_both_backends! {
    async fn a_sale_on_the_wrong_rotation_day_is_refused_with_the_next_day(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let refused = error_of(sell(&app, &token, &rrn(1981, 1), 1).await, 409);
        assert_eq!(refused["code"], "not_rotation_day");
        assert_eq!(refused["allowed_digits"], json!([3, 8]));
        assert_eq!(refused["next_day"], "2020-03-14", "Saturday is open to anyone with quota left");
        assert_eq!(stock(&app, &token).await["on_hand"], 100);
    }
}

on_both_backends! {
    async fn the_weekly_quota_holds_across_sites(app: TestApp) {
        app.travel_to(wednesday());
        let clerk = app.seed_clerk("11817488", 1);
        let first = signed_in_with_stock(&app, &clerk, 100).await;
        let second = open_site(&app, "11817489", 100).await;
        let buyer = rrn(1988, 7);
        assert_eq!(sell(&app, &first, &buyer, 1).await.status, 201);
        assert_eq!(sell(&app, &second, &buyer, 1).await.status, 201);
        let refused = error_of(sell(&app, &second, &buyer, 1).await, 409);
        assert_eq!(refused["code"], "weekly_quota_exceeded");
        assert_eq!((refused["bought"].as_u64(), refused["quota"].as_u64()), (Some(2), Some(2)));

        // A new week starts at Monday 00:00 KST (Sunday 15:00 UTC); Monday is for 1 and 6.
        app.travel_to(Utc.with_ymd_and_hms(2020, 3, 15, 15, 0, 0).unwrap());
        let first = app.token(&clerk, "counter-1").await; // the old session went idle
        let monday_buyer = rrn(1986, 7);
        assert_eq!(sell(&app, &first, &monday_buyer, 2).await.status, 201);
        app.travel_to(Utc.with_ymd_and_hms(2020, 3, 18, 1, 0, 0).unwrap());
        let first = app.token(&clerk, "counter-1").await;
        assert_eq!(sell(&app, &first, &buyer, 2).await.status, 201, "last week's purchases no longer count");
    }
}

on_both_backends! {
    async fn a_site_never_sells_more_than_it_holds_or_while_halted(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 1).await;
        let short = error_of(sell(&app, &token, &rrn(1983, 1), 2).await, 409);
        assert_eq!(short["code"], "insufficient_stock");

        let halted = app.call(Method::PUT, "/portal/v1/status", Some(&token), Some(json!({ "sales_halted": true }))).await;
        assert_eq!(halted.status, 200);
        assert_eq!(halted.body["remain_stat"], "break");
        assert_eq!(error_of(sell(&app, &token, &rrn(1983, 1), 1).await, 409)["code"], "sales_halted");

        let resumed = app.call(Method::PUT, "/portal/v1/status", Some(&token), Some(json!({ "sales_halted": false }))).await;
        assert_eq!(resumed.body["remain_stat"], "empty");
        assert_eq!(sell(&app, &token, &rrn(1983, 1), 1).await.status, 201);
        assert_eq!(stock(&app, &token).await["on_hand"], 0);
    }
}

on_both_backends! {
    async fn a_proxy_purchase_follows_the_target_day_and_quota(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let parent = rrn(1981, 1); // Monday's buyer, buying on Wednesday for the child.
        let child = rrn(2013, 2); // born 2013: may be bought for, and Wednesday is 3·8.
        let body = |quantity: i64| json!({
            "resident_id": parent, "quantity": quantity, "proxy_for": { "resident_id": child }, "client_key": key()
        });
        let reply = app.post_as(&token, "/portal/v1/sales", body(2)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(error_of(app.post_as(&token, "/portal/v1/sales", body(1)).await, 409)["code"], "weekly_quota_exceeded");
        assert_eq!(error_of(sell(&app, &token, &child, 1).await, 409)["code"], "weekly_quota_exceeded");

        let adult = rrn(1983, 3);
        let for_adult = json!({ "resident_id": parent, "quantity": 1, "proxy_for": { "resident_id": adult }, "client_key": key() });
        assert_eq!(error_of(app.post_as(&token, "/portal/v1/sales", for_adult).await, 409)["code"], "proxy_not_eligible");
        let disabled = json!({
            "resident_id": parent, "quantity": 1,
            "proxy_for": { "resident_id": adult, "category": "disabled" }, "client_key": key()
        });
        assert_eq!(app.post_as(&token, "/portal/v1/sales", disabled).await.status, 201);
    }
}

on_both_backends! {
    async fn eligibility_shows_what_the_clerk_needs_without_selling(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let buyer = rrn(1983, 5);
        let check = |id: String| app.post_as(&token, "/portal/v1/eligibility", json!({ "resident_id": id }));
        let fresh = check(buyer.clone()).await;
        assert_eq!(fresh.status, 200);
        assert_eq!(fresh.body, json!({
            "eligible": true, "refusal": null, "birth_year": 1983, "bought_this_week": 0,
            "quota": 2, "remaining": 2, "next_allowed_day": null
        }));
        sell(&app, &token, &buyer, 2).await;
        let spent = check(buyer).await.body;
        assert_eq!(spent["eligible"], false);
        assert_eq!(spent["refusal"]["code"], "weekly_quota_exceeded");
        assert!(spent["refusal"]["message"].is_string());
        assert_eq!(spent["remaining"], 0);
        assert_eq!(spent["next_allowed_day"], "2020-03-18", "next week's Wednesday");

        let wrong_day = check(rrn(1991, 1)).await.body;
        assert_eq!(wrong_day["refusal"]["code"], "not_rotation_day");
        assert_eq!(wrong_day["next_allowed_day"], "2020-03-14");
        assert_eq!(stock(&app, &token).await["on_hand"], 98, "eligibility sells nothing");
    }
}

on_both_backends! {
    async fn a_look_up_no_sale_followed_is_audited_with_the_birth_year_and_never_the_number(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let session_id = app.get_as(&token, "/portal/v1/sessions").await.body["sessions"][0]["session_id"].clone();
        let check = |id: &str| app.post_as(&token, "/portal/v1/eligibility", json!({ "resident_id": id }));
        let (sold, walked_away, next) = (rrn(1983, 1), rrn(1988, 2), rrn(1993, 3));
        assert_eq!(check(&sold).await.status, 200);
        assert_eq!(sell(&app, &token, &sold, 1).await.status, 201);
        assert_eq!(check(&walked_away).await.status, 200);
        assert_eq!(check(&walked_away).await.status, 200, "checking the same buyer again is one look-up");
        assert_eq!(check(&next).await.status, 200);

        let audited = crate::helpers::audit_entries(&mut app.db.connect(), "lookup_without_sale");
        assert_eq!(audited.len(), 1, "only the buyer who walked away: {audited:?}");
        let (session, detail) = &audited[0];
        assert_eq!(session.as_deref(), session_id.as_str());
        assert_eq!((detail["birth_year"].as_i64(), detail["outcome"].as_str()), (Some(1988), Some("eligible")));
        let text = detail.to_string();
        assert!(!text.contains(&walked_away) && !text.contains(&walked_away.replace('-', "")), "{text}");
    }
}

#[tokio::test]
async fn a_session_over_its_look_ups_per_minute_gets_429_with_retry_after_and_may_still_sell() {
    let settings = [("MASKPORTAL_LOOKUPS_PER_MINUTE", "3")];
    let app = TestApp::spawn_with(
        crate::helpers::TestDatabase::sqlite(),
        maskportal::domain::clock::Clock::system(),
        &settings,
    )
    .await;
    app.travel_to(wednesday());
    let token = open_site(&app, "11817488", 10).await;
    for serial in 0..3 {
        let body = json!({ "resident_id": rrn(1983, serial) });
        assert_eq!(app.post_as(&token, "/portal/v1/eligibility", body).await.status, 200);
    }
    let over = app.post_as(&token, "/portal/v1/eligibility", json!({ "resident_id": rrn(1983, 9) })).await;
    let retry_after: u64 = over.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(error_of(over, 429)["code"], "rate_limited");
    assert_eq!(sell(&app, &token, &rrn(1983, 2), 1).await.status, 201, "sales are not look-ups");

    let other = app.seed_clerk("11817489", 1);
    let other_token = signed_in_with_stock(&app, &other, 0).await;
    let body = json!({ "resident_id": rrn(1983, 1) });
    assert_eq!(
        app.post_as(&other_token, "/portal/v1/eligibility", body).await.status,
        200,
        "sessions are limited apart"
    );
}

on_both_backends! {
    async fn malformed_resident_ids_are_400_naming_the_field_and_the_fault(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let good = rrn(1983, 1);
        let mut bad_check = good.clone().into_bytes();
        let last = bad_check.len() - 1;
        bad_check[last] = if bad_check[last] == b'9' { b'0' } else { bad_check[last] + 1 };
        let cases = [
            (String::from_utf8(bad_check).unwrap(), "resident_id_checksum"),
            (with_check_digit("830230-123456"), "resident_id_date"),
            (with_check_digit("010229-323456"), "resident_id_date"), // 2001 was not a leap year
            ("12345".to_owned(), "resident_id_format"),
            ("83O515-1234567".to_owned(), "resident_id_format"),
        ];
        for (id, code) in cases {
            let refused = error_of(sell(&app, &token, &id, 1).await, 400);
            assert_eq!((refused["code"].as_str(), refused["field"].as_str()), (Some(code), Some("resident_id")), "{id}");
            assert!(!refused.to_string().contains(&id), "the number is echoed back");
        }
        let proxy = json!({ "resident_id": good, "quantity": 1, "proxy_for": { "resident_id": "nope" }, "client_key": key() });
        assert_eq!(error_of(app.post_as(&token, "/portal/v1/sales", proxy).await, 400)["field"], "proxy_for.resident_id");
        let zero = json!({ "resident_id": good, "quantity": 0, "client_key": key() });
        assert_eq!(error_of(app.post_as(&token, "/portal/v1/sales", zero).await, 400)["field"], "quantity");
        let bad_key = json!({ "resident_id": good, "quantity": 1, "client_key": "abc" });
        assert_eq!(error_of(app.post_as(&token, "/portal/v1/sales", bad_key).await, 400)["field"], "client_key");
        assert_eq!(stock(&app, &token).await["on_hand"], 100);
    }
}

on_both_backends! {
    async fn a_buyer_or_a_proxy_child_born_after_today_is_400_resident_id_date(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let field_of = |reply: Reply| {
            let refused = error_of(reply, 400);
            (refused["code"].as_str().unwrap().to_owned(), refused["field"].as_str().unwrap().to_owned())
        };
        let date_error = |field: &str| ("resident_id_date".to_owned(), field.to_owned());
        // 2038 and 2028 end in 8, so on a Wednesday both would buy, and a child born 2028 may
        // be bought for: only the birth date after today refuses them.
        let unborn_buyer = rrn(2038, 1);
        assert_eq!(field_of(sell(&app, &token, &unborn_buyer, 1).await), date_error("resident_id"));
        let check = app.post_as(&token, "/portal/v1/eligibility", json!({ "resident_id": unborn_buyer })).await;
        assert_eq!(field_of(check), date_error("resident_id"));

        let parent = rrn(1981, 2);
        let for_child = |child: &str| json!({
            "resident_id": parent, "quantity": 1, "proxy_for": { "resident_id": child }, "client_key": key()
        });
        let unborn_child = rrn(2028, 3);
        let sale = app.post_as(&token, "/portal/v1/sales", for_child(&unborn_child)).await;
        assert_eq!(field_of(sale), date_error("proxy_for.resident_id"));
        let mut check = for_child(&unborn_child);
        check.as_object_mut().unwrap().retain(|k, _| k == "resident_id" || k == "proxy_for");
        assert_eq!(field_of(app.post_as(&token, "/portal/v1/eligibility", check).await), date_error("proxy_for.resident_id"));
        assert_eq!(stock(&app, &token).await["on_hand"], 100);

        let born_2018 = rrn(2018, 4);
        assert_eq!(app.post_as(&token, "/portal/v1/sales", for_child(&born_2018)).await.status, 201, "a real child is bought for");
    }
}

on_both_backends! {
    async fn numbers_of_the_1800s_are_400_resident_id_date_under_the_default_policy(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        for g in [9, 0] {
            let born_1898 = valid_rrn(NaiveDate::from_ymd_opt(1898, 5, 15).unwrap(), g, 1);
            let refused = error_of(sell(&app, &token, &born_1898, 1).await, 400);
            assert_eq!((refused["code"].as_str(), refused["field"].as_str()), (Some("resident_id_date"), Some("resident_id")), "G={g}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_that_accepts_the_1800s_lets_such_a_number_buy() {
    let db = TestDatabase::sqlite();
    let policy = db.dir.path().join("policy.toml");
    let launch = include_str!("../../policies/korea-launch.toml");
    std::fs::write(&policy, launch.replace("accept_1800s = false", "accept_1800s = true")).unwrap();
    let app = TestApp::spawn_with(
        db,
        maskportal::domain::clock::Clock::system(),
        &[("MASKPORTAL_POLICY", policy.to_str().unwrap())],
    )
    .await;
    app.travel_to(wednesday());
    let token = open_site(&app, "11817488", 100).await;
    let born_1898 = valid_rrn(NaiveDate::from_ymd_opt(1898, 5, 15).unwrap(), 9, 1);
    assert_eq!(sell(&app, &token, &born_1898, 1).await.status, 201);
}

on_both_backends! {
    async fn free_text_holding_a_resident_number_is_400_naming_the_field(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        let buyer = rrn(1983, 4);
        let (front, back) = buyer.split_once('-').unwrap();
        let in_text = |reply: Reply| {
            let refused = error_of(reply, 400);
            assert!(!refused.to_string().contains(back), "the number is echoed back: {refused}");
            (refused["code"].as_str().unwrap().to_owned(), refused["field"].as_str().unwrap().to_owned())
        };
        for reference in [format!("returned by {buyer}"), format!("{front}{back}"), format!("{front} – {back}")] {
            let delivery = json!({ "quantity": 5, "reference": reference, "client_key": key() });
            let refused = in_text(app.post_as(&token, "/portal/v1/stock-in", delivery).await);
            assert_eq!(refused, ("resident_id_in_text".to_owned(), "reference".to_owned()), "{reference}");
        }
        let slip = json!({ "quantity": 5, "reference": "송장 2020-0311-0042", "client_key": key() });
        assert_eq!(app.post_as(&token, "/portal/v1/stock-in", slip).await.status, 201, "a slip number is no resident number");

        let sale = sell(&app, &token, &buyer, 2).await.body;
        let path = format!("/portal/v1/sales/{}/void", sale["sale_id"]);
        for reason in [format!("손님 {buyer} 취소"), format!("{front} {back}")] {
            let void = json!({ "reason": reason, "client_key": key() });
            let refused = in_text(app.post_as(&token, &path, void).await);
            assert_eq!(refused, ("resident_id_in_text".to_owned(), "reason".to_owned()), "{reason}");
        }
        assert_eq!(stock(&app, &token).await["on_hand"], 13, "nothing was voided");
        let void = json!({ "reason": "wrong person", "client_key": key() });
        assert_eq!(app.post_as(&token, &path, void).await.status, 200);
        let stored = String::from_utf8_lossy(&app.db.dump()).into_owned();
        assert!(!stored.contains(back), "the number's second half is stored");
    }
}

on_both_backends! {
    async fn ids_are_accepted_with_or_without_the_hyphen_as_one_person(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let hyphenated = rrn(1983, 9);
        assert_eq!(sell(&app, &token, &hyphenated, 1).await.status, 201);
        assert_eq!(sell(&app, &token, &hyphenated.replace('-', ""), 1).await.status, 201);
        assert_eq!(error_of(sell(&app, &token, &hyphenated, 1).await, 409)["code"], "weekly_quota_exceeded");
    }
}

on_both_backends! {
    async fn a_void_returns_stock_and_quota_once_and_only_at_its_site(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        let other_site = open_site(&app, "11817489", 10).await;
        let buyer = rrn(1983, 4);
        let sale = sell(&app, &token, &buyer, 2).await.body;
        let path = format!("/portal/v1/sales/{}/void", sale["sale_id"]);

        let foreign = app.post_as(&other_site, &path, json!({ "reason": "mistake", "client_key": key() })).await;
        assert_eq!(error_of(foreign, 403)["code"], "forbidden");

        let voided = app.post_as(&token, &path, json!({ "reason": "wrong person", "client_key": key() })).await;
        assert_eq!(voided.status, 200);
        assert_eq!((voided.body["status"].as_str(), voided.body["on_hand"].as_i64()), (Some("voided"), Some(10)));
        let again = app.post_as(&token, &path, json!({ "reason": "double click", "client_key": key() })).await;
        assert_eq!(again.status, 200);
        assert_eq!(again.body, voided.body, "voiding twice changes nothing");
        assert_eq!(stock(&app, &token).await["on_hand"], 10);
        assert_eq!(sell(&app, &token, &buyer, 2).await.status, 201, "the quota came back");

        let missing = app.post_as(&token, "/portal/v1/sales/999999/void", json!({ "reason": "x", "client_key": key() })).await;
        assert_eq!(error_of(missing, 404)["code"], "not_found");
        let listed = app.get_as(&token, "/portal/v1/sales?date=2020-03-11").await.body;
        let statuses: Vec<&str> = listed["sales"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["voided", "completed"]);
    }
}

on_both_backends! {
    async fn yesterdays_sale_can_no_longer_be_voided(app: TestApp) {
        app.travel_to(wednesday());
        let clerk = app.seed_clerk("11817488", 1);
        let token = signed_in_with_stock(&app, &clerk, 10).await;
        let sale = sell(&app, &token, &rrn(1983, 4), 1).await.body;
        app.travel_to(wednesday() + Duration::hours(15)); // Thursday 01:00 KST
        let token = app.token(&clerk, "counter-1").await;
        let path = format!("/portal/v1/sales/{}/void", sale["sale_id"]);
        let late = app.post_as(&token, &path, json!({ "reason": "too late", "client_key": key() })).await;
        assert_eq!(error_of(late, 409)["code"], "void_window_passed");
    }
}

on_both_backends! {
    async fn the_day_list_shows_birth_years_but_never_an_id(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        let buyer = rrn(1988, 2);
        sell(&app, &token, &buyer, 1).await;
        let listed = app.get_as(&token, "/portal/v1/sales").await;
        assert_eq!(listed.status, 200);
        assert_eq!(listed.body["date"], "2020-03-11");
        let sale = &listed.body["sales"][0];
        assert_eq!((sale["birth_year"].as_i64(), sale["proxy"].as_bool(), sale["quantity"].as_i64()), (Some(1988), Some(false), Some(1)));
        let text = listed.body.to_string();
        assert!(!text.contains(&buyer) && !text.contains(&buyer.replace('-', "")));
        assert_eq!(app.get_as(&token, "/portal/v1/sales?date=2020-03-10").await.body["sales"], json!([]));
        assert_eq!(error_of(app.get_as(&token, "/portal/v1/sales?date=yesterday").await, 400)["field"], "date");
    }
}

on_both_backends! {
    async fn a_retried_write_replays_its_answer_and_a_reused_key_is_422(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        let body = json!({ "resident_id": rrn(1983, 6), "quantity": 1, "client_key": key() });
        let first = app.post_as(&token, "/portal/v1/sales", body.clone()).await;
        let retry = app.post_as(&token, "/portal/v1/sales", body.clone()).await;
        assert_eq!((first.status, &first.body), (retry.status, &retry.body));
        // A retry seconds later (a page resending after a lost answer) replays too.
        app.travel_to(wednesday() + Duration::seconds(5));
        let later = app.post_as(&token, "/portal/v1/sales", body.clone()).await;
        assert_eq!((first.status, &first.body), (later.status, &later.body));
        assert_eq!(stock(&app, &token).await["on_hand"], 9);

        let mut changed = body.clone();
        changed["quantity"] = json!(2);
        let reused = error_of(app.post_as(&token, "/portal/v1/sales", changed).await, 422);
        assert_eq!((reused["code"].as_str(), reused["field"].as_str()), (Some("idempotency_key_reused"), Some("client_key")));

        let delivery = json!({ "quantity": 5, "client_key": key() });
        let once = app.post_as(&token, "/portal/v1/stock-in", delivery.clone()).await;
        let twice = app.post_as(&token, "/portal/v1/stock-in", delivery).await;
        assert_eq!((once.status, &once.body), (twice.status, &twice.body));
        assert_eq!(stock(&app, &token).await["on_hand"], 14);
    }
}

on_both_backends! {
    async fn five_concurrent_copies_of_one_sale_make_one_sale_and_five_identical_answers(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        let body = json!({ "resident_id": rrn(1983, 6), "quantity": 1, "client_key": key() });
        let replies = join_all((0..5).map(|_| app.post_as(&token, "/portal/v1/sales", body.clone()))).await;
        for reply in &replies {
            assert_eq!((reply.status, &reply.body), (replies[0].status, &replies[0].body));
        }
        assert_eq!(replies[0].status, 201);
        assert_eq!(stock(&app, &token).await["on_hand"], 9);
    }
}

/// Sends ten copies of one sale (one `client_key`) at once: each must get the first attempt's
/// receipt, and one sale must be recorded. A race is not lost every time, so each test runs
/// three rounds.
async fn ten_copies_of_one_sale_get_one_receipt(app: &TestApp, token: &str, buyer: &str, quantity: i64) {
    let body = json!({ "resident_id": buyer, "quantity": quantity, "client_key": key() });
    let replies = join_all((0..10).map(|_| app.post_as(token, "/portal/v1/sales", body.clone()))).await;
    for reply in &replies {
        assert_eq!((reply.status, &reply.body), (201, &replies[0].body), "a copy got another answer");
    }
    let listed = app.get_as(token, "/portal/v1/sales").await.body;
    let recorded =
        listed["sales"].as_array().unwrap().iter().filter(|s| s["sale_id"] == replies[0].body["sale_id"]);
    assert_eq!(recorded.count(), 1, "{listed}");
    crate::helpers::assert_quotas_match_sales(&mut app.db.connect());
}

on_both_backends! {
    async fn ten_concurrent_copies_of_a_sale_using_the_whole_quota_all_get_its_receipt(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        for serial in 0..3 {
            ten_copies_of_one_sale_get_one_receipt(&app, &token, &rrn(1983, serial), 2).await;
        }
        assert_eq!(stock(&app, &token).await["on_hand"], 4);
        assert_eq!(app.get_as(&token, "/portal/v1/sales").await.body["sales"].as_array().unwrap().len(), 3);
    }
}

on_both_backends! {
    async fn ten_concurrent_copies_of_a_sale_taking_the_last_masks_all_get_its_receipt(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 0).await;
        for serial in 0..3 {
            assert_eq!(stock_in(&app, &token, 1).await.status, 201);
            ten_copies_of_one_sale_get_one_receipt(&app, &token, &rrn(1983, serial), 1).await;
            assert_eq!(stock(&app, &token).await["on_hand"], 0);
        }
    }
}

on_both_backends! {
    async fn fifty_concurrent_sales_to_one_person_at_ten_sites_sell_exactly_the_quota(app: TestApp) {
        app.travel_to(wednesday());
        let mut tokens = Vec::new();
        for site in 0..10 {
            tokens.push(open_site(&app, &format!("2000000{site}"), 20).await);
        }
        let buyer = rrn(1983, 42);
        let attempts = (0..50).map(|i| sell(&app, &tokens[i % 10], &buyer, 1));
        let statuses: Vec<u16> = join_all(attempts).await.into_iter().map(|r| r.status).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 2, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 48, "{statuses:?}");
    }
}

on_both_backends! {
    async fn three_hundred_concurrent_buyers_at_a_site_holding_a_hundred_buy_exactly_a_hundred(db: crate::helpers::TestDatabase) {
        // Three hundred connections at once, all from the test's one address: above the default cap.
        let settings = [("MASKPORTAL_MAX_CONNECTIONS_PER_IP", "1000")];
        let app = TestApp::spawn_with(db, maskportal::domain::clock::Clock::system(), &settings).await;
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 100).await;
        let attempts = (0..300u32).map(|i| {
            let year = if i % 2 == 0 { 1983 } else { 1988 };
            let token = &token;
            let app = &app;
            async move { sell(app, token, &rrn(year, i), 1).await.status }
        });
        let statuses = join_all(attempts).await;
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 100);
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 200);
        assert_eq!(stock(&app, &token).await["on_hand"], 0);
        let site_id = 1;
        assert_eq!(maskportal::db::stock::ledger_total(&mut app.db.connect(), site_id).unwrap(), 0);
    }
}

on_both_backends! {
    async fn after_a_day_of_mixed_activity_ledgers_and_quotas_add_up(app: TestApp) {
        app.travel_to(wednesday());
        let tokens = [open_site(&app, "30000001", 40).await, open_site(&app, "30000002", 25).await];
        let mut sale_ids = Vec::new();
        for i in 0..40u32 {
            let token = &tokens[(i % 2) as usize];
            let buyer = rrn(if i % 3 == 0 { 1988 } else { 1983 }, i % 13);
            let reply = sell(&app, token, &buyer, 1 + i64::from(i % 2)).await;
            if reply.status == 201 {
                sale_ids.push((token.clone(), reply.body["sale_id"].as_i64().unwrap()));
            }
            if i % 10 == 0 {
                stock_in(&app, token, 7).await;
            }
        }
        for (token, sale_id) in sale_ids.iter().step_by(3) {
            let path = format!("/portal/v1/sales/{sale_id}/void");
            assert_eq!(app.post_as(token, &path, json!({ "reason": "test", "client_key": key() })).await.status, 200);
        }
        let mut conn = app.db.connect();
        for (site_id, token) in [(1, &tokens[0]), (2, &tokens[1])] {
            let on_hand = stock(&app, token).await["on_hand"].as_i64().unwrap();
            assert_eq!(maskportal::db::stock::ledger_total(&mut conn, site_id).unwrap(), on_hand);
        }
        crate::helpers::assert_quotas_match_sales(&mut conn);
    }
}

on_both_backends! {
    async fn every_accepted_write_tells_the_public_board(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 0).await;
        let mut events = app.events.subscribe();
        stock_in(&app, &token, 5).await;
        sell(&app, &token, &rrn(1983, 1), 1).await;
        error_of(sell(&app, &token, &rrn(1981, 1), 1).await, 409);
        for _ in 0..2 {
            let change = tokio::time::timeout(std::time::Duration::from_secs(5), events.recv()).await.unwrap().unwrap();
            assert_eq!(change.site_id, 1);
        }
        assert!(events.try_recv().is_err(), "a refused sale published a change");
    }
}

on_both_backends! {
    async fn no_resident_number_is_ever_stored(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 20).await;
        let child = rrn(2013, 77);
        let numbers = [rrn(1983, 11), rrn(1988, 12), rrn(1981, 13)];
        for id in &numbers {
            sell(&app, &token, id, 1).await;
            app.post_as(&token, "/portal/v1/eligibility", json!({ "resident_id": id })).await;
        }
        let proxy = json!({ "resident_id": numbers[0], "quantity": 1, "proxy_for": { "resident_id": child }, "client_key": key() });
        app.post_as(&token, "/portal/v1/sales", proxy).await;
        error_of(sell(&app, &token, &(numbers[0][..13].to_owned() + "0"), 1).await, 400);

        let dump = app.db.dump();
        for id in numbers.iter().chain([&child]) {
            for form in [id.clone(), id.replace('-', "")] {
                assert!(!dump.windows(form.len()).any(|w| w == form.as_bytes()), "{form} is stored");
            }
        }
    }
}

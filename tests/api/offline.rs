//! Sales entered late: back-dated, sold offline and flagged instead of refused, queued in
//! batches, sealed by the page, and the conflicts they raise listed and resolved.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use futures_util::future::join_all;
use maskportal::domain::resident_id::valid_rrn;
use maskportal::domain::sealed_sale::seal;
use serde_json::{json, Value};

use crate::helpers::{
    assert_ledgers_match_stock, assert_quotas_match_sales, audit_entries, error_of, maskportal, stdout,
    Reply, ServedBinary, TestApp, TestDatabase,
};
use crate::on_both_backends;

/// Wednesday 11 March 2020, 10:00 in Korea: birth years ending in 3 and 8 may buy.
fn wednesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap()
}

/// Thursday 12 March 2020, 10:00 in Korea: 4 and 9.
fn thursday() -> DateTime<Utc> {
    wednesday() + Duration::days(1)
}

fn kst(instant: DateTime<Utc>) -> String {
    instant.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap()).to_rfc3339()
}

fn rrn(year: i32, serial: u32) -> String {
    let g = if year >= 2000 { 3 } else { 1 };
    valid_rrn(NaiveDate::from_ymd_opt(year, 5, 15).unwrap(), g, serial)
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A signed-in clerk of a site holding `stock` masks.
async fn open_site(app: &TestApp, code: &str, stock: i64) -> String {
    let clerk = app.seed_clerk(code, 1);
    let token = app.token(&clerk, "counter-1").await;
    if stock > 0 {
        let reply = app
            .post_as(&token, "/portal/v1/stock-in", json!({ "quantity": stock, "client_key": key() }))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    token
}

fn sale(resident_id: &str, quantity: i64, sold_at: Option<DateTime<Utc>>, offline: bool) -> Value {
    let mut body =
        json!({ "resident_id": resident_id, "quantity": quantity, "client_key": key(), "offline": offline });
    if let Some(at) = sold_at {
        body["sold_at"] = json!(kst(at));
    }
    body
}

async fn sell(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post_as(token, "/portal/v1/sales", body).await
}

fn codes(receipt: &Value) -> Vec<&str> {
    receipt["conflicts"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect()
}

fn check_invariants(app: &TestApp) {
    let mut conn = app.db.connect();
    assert_quotas_match_sales(&mut conn);
    assert_ledgers_match_stock(&mut conn);
}

on_both_backends! {
    async fn a_wednesday_sale_for_a_3_8_buyer_entered_on_thursday_records_on_wednesday(app: TestApp) {
        app.travel_to(thursday());
        let token = open_site(&app, "11817488", 10).await;
        let paper = wednesday() + Duration::hours(5);
        let reply = sell(&app, &token, sale(&rrn(1983, 1), 2, Some(paper), false)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["sold_at"], "2020-03-11T15:00:00+09:00");
        assert_eq!(reply.body["recorded_at"], "2020-03-12T10:00:00+09:00");
        assert_eq!(reply.body["conflicts"], json!([]));
        assert_eq!(reply.body["on_hand"], 8);

        let wednesday_list = app.get_as(&token, "/portal/v1/sales?date=2020-03-11").await;
        assert_eq!(wednesday_list.body["sales"].as_array().unwrap().len(), 1, "{}", wednesday_list.body);
        assert_eq!(wednesday_list.body["sales"][0]["sold_at"], "2020-03-11T15:00:00+09:00");
        let thursday_list = app.get_as(&token, "/portal/v1/sales").await;
        assert_eq!(thursday_list.body["sales"], json!([]));
        // Wednesday's purchase counts against that week's quota of 2.
        let again = sell(&app, &token, sale(&rrn(1983, 1), 1, Some(paper), false)).await;
        assert_eq!(error_of(again, 409)["code"], "weekly_quota_exceeded");
        check_invariants(&app);
    }
}

on_both_backends! {
    async fn a_thursday_sale_of_a_3_8_buyer_is_refused_live_and_flagged_offline(app: TestApp) {
        app.travel_to(thursday());
        let token = open_site(&app, "11817488", 10).await;
        let live = sell(&app, &token, sale(&rrn(1983, 1), 1, None, false)).await;
        assert_eq!(error_of(live, 409)["code"], "not_rotation_day");

        let offline = sell(&app, &token, sale(&rrn(1983, 1), 1, None, true)).await;
        assert_eq!(offline.status, 201, "{}", offline.body);
        assert_eq!(codes(&offline.body), ["not_rotation_day"]);
        let listed = app.get_as(&token, "/portal/v1/conflicts").await;
        let conflicts = listed.body["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{}", listed.body);
        assert_eq!(conflicts[0]["sale_id"], offline.body["sale_id"]);
        assert_eq!(conflicts[0]["code"], "not_rotation_day");
        assert_eq!(conflicts[0]["status"], "open");
        assert_eq!(conflicts[0]["note"], Value::Null);
        // What cannot be a sale is refused offline too.
        let mut typo = sale(&rrn(1983, 2), 1, None, true);
        let number = typo["resident_id"].as_str().unwrap().to_owned();
        let last = number.chars().last().unwrap().to_digit(10).unwrap();
        typo["resident_id"] = json!(format!("{}{}", &number[..number.len() - 1], (last + 1) % 10));
        assert_eq!(error_of(sell(&app, &token, typo).await, 400)["code"], "resident_id_checksum");
        let none = sell(&app, &token, sale(&rrn(1983, 3), 0, None, true)).await;
        assert_eq!(error_of(none, 400)["field"], "quantity");
        check_invariants(&app);
    }
}

on_both_backends! {
    async fn sold_at_ahead_of_the_clock_or_older_than_the_window_is_refused_naming_the_field(app: TestApp) {
        app.travel_to(thursday());
        let token = open_site(&app, "11817488", 10).await;
        let buyer = rrn(1984, 1);
        for (at, accepted) in [
            (thursday() + Duration::minutes(2), true),
            (thursday() + Duration::minutes(3), false),
            (thursday() - Duration::hours(72) + Duration::minutes(1), true),
            (thursday() - Duration::hours(73), false),
        ] {
            let reply = sell(&app, &token, sale(&buyer, 1, Some(at), true)).await;
            if accepted {
                assert_eq!(reply.status, 201, "{at}: {}", reply.body);
            } else {
                let error = error_of(reply, 400);
                assert_eq!((error["code"].as_str(), error["field"].as_str()), (Some("invalid_sold_at"), Some("sold_at")));
            }
        }
        for raw in ["2020-03-12T10:00:00", "2020-03-12", "yesterday", "2020-03-12T25:00:00+09:00"] {
            let mut body = sale(&buyer, 1, None, true);
            body["sold_at"] = json!(raw);
            let error = error_of(sell(&app, &token, body).await, 400);
            assert_eq!(error["field"], "sold_at", "{raw}");
        }
        check_invariants(&app);
    }
}

#[tokio::test]
async fn the_back_dating_window_follows_its_setting() {
    let app = TestApp::spawn_with(
        TestDatabase::sqlite(),
        crate::helpers::test_clock(),
        &[("MASKPORTAL_BACKDATE_HOURS", "1")],
    )
    .await;
    app.travel_to(thursday());
    let token = open_site(&app, "11817488", 10).await;
    let ok = sell(&app, &token, sale(&rrn(1984, 1), 1, Some(thursday() - Duration::minutes(59)), true)).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let old =
        sell(&app, &token, sale(&rrn(1984, 2), 1, Some(thursday() - Duration::minutes(61)), true)).await;
    assert!(error_of(old, 400)["message"].as_str().unwrap().contains("1 hours"));
}

on_both_backends! {
    async fn a_500_item_batch_sent_twice_records_each_sale_once_and_replays_every_answer(app: TestApp) {
        app.travel_to(thursday());
        let token = open_site(&app, "11817488", 2000).await;
        // Buyers of every digit, some bought for twice: wrong days and passed quotas get flagged.
        let items: Vec<Value> = (0..500)
            .map(|i| {
                let at = thursday() - Duration::minutes(500 - i);
                sale(&rrn(1980 + (i % 10) as i32, (i / 3) as u32), 1, Some(at), true)
            })
            .collect();
        let batch = json!({ "sales": items });
        let first = app.post_as(&token, "/portal/v1/sales/batch", batch.clone()).await;
        assert_eq!(first.status, 200, "{}", first.body);
        let results = first.body["results"].as_array().unwrap();
        assert_eq!(results.len(), 500);
        for (result, item) in results.iter().zip(&items) {
            assert_eq!(result["client_key"], item["client_key"]);
            assert_eq!(result["outcome"], "recorded", "{result}");
            assert_eq!(result["conflicts"], result["sale"]["conflicts"]);
        }
        let flagged = results.iter().filter(|r| !r["conflicts"].as_array().unwrap().is_empty()).count();
        assert!(flagged > 0, "some of 500 mixed sales break a rule");

        let second = app.post_as(&token, "/portal/v1/sales/batch", batch).await;
        assert_eq!(second.status, 200);
        for (again, result) in second.body["results"].as_array().unwrap().iter().zip(results) {
            assert_eq!(again["outcome"], "replayed");
            assert_eq!(again["sale"], result["sale"]);
            assert_eq!(again["conflicts"], result["conflicts"]);
        }
        let stock = app.get_as(&token, "/portal/v1/stock").await;
        assert_eq!(stock.body["on_hand"], 1500);
        let mut conn = app.db.connect();
        assert_eq!(maskportal::db::sales::count(&mut conn).unwrap(), 500);
        drop(conn);
        check_invariants(&app);
    }
}

on_both_backends! {
    async fn a_live_sale_whose_answer_was_lost_and_was_queued_offline_replays_in_the_batch(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        let live = sale(&rrn(1983, 1), 2, None, false);
        let recorded = sell(&app, &token, live.clone()).await;
        assert_eq!(recorded.status, 201, "{}", recorded.body);
        // The page heard nothing and queued the same sale, dated when it was made.
        app.travel_to(wednesday() + Duration::minutes(10));
        let mut queued = live.clone();
        queued["offline"] = json!(true);
        queued["sold_at"] = json!(kst(wednesday()));
        let reply = app.post_as(&token, "/portal/v1/sales/batch", json!({ "sales": [queued] })).await;
        let result = &reply.body["results"][0];
        assert_eq!(result["outcome"], "replayed", "{}", reply.body);
        assert_eq!(result["sale"], recorded.body);
        // The same key for someone else is still a reused key.
        let mut other = live;
        other["resident_id"] = json!(rrn(1988, 2));
        assert_eq!(error_of(sell(&app, &token, other).await, 422)["code"], "idempotency_key_reused");
        assert_eq!(app.get_as(&token, "/portal/v1/stock").await.body["on_hand"], 8);
        check_invariants(&app);
    }
}

on_both_backends! {
    async fn a_bad_item_among_good_ones_is_refused_alone(app: TestApp) {
        app.travel_to(thursday());
        let token = open_site(&app, "11817488", 10).await;
        let too_old = sale(&rrn(1984, 3), 1, Some(thursday() - Duration::days(4)), true);
        let mut unknown_field = sale(&rrn(1984, 4), 1, None, true);
        unknown_field["colour"] = json!("blue");
        let items = json!([
            sale(&rrn(1984, 1), 1, None, true),
            sale("900101-1234567", 1, None, true),
            sale(&rrn(1984, 2), 1, None, true),
            unknown_field,
            { "resident_id": rrn(1984, 5), "quantity": 1 },
            too_old,
            "not even an object",
            sale(&rrn(1983, 6), 1, None, false),
        ]);
        let reply = app.post_as(&token, "/portal/v1/sales/batch", json!({ "sales": items })).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let results = reply.body["results"].as_array().unwrap();
        let outcomes: Vec<_> = results.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
        assert_eq!(
            outcomes,
            ["recorded", "refused", "recorded", "refused", "refused", "refused", "refused", "refused"]
        );
        let errors: Vec<_> = results
            .iter()
            .filter(|r| r["outcome"] == "refused")
            .map(|r| (r["error"]["status"].as_u64().unwrap(), r["error"]["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            errors,
            [
                (400, "resident_id_checksum"),
                (400, "invalid_body"),
                (400, "invalid_body"),
                (400, "invalid_sold_at"),
                (400, "invalid_body"),
                // A live sale on the wrong day is refused in a batch as alone.
                (409, "not_rotation_day"),
            ]
        );
        assert_eq!(results[4]["client_key"], Value::Null);
        assert_eq!(results[4]["error"]["field"], "client_key");
        assert_eq!(results[5]["error"]["field"], "sold_at");
        assert_eq!(app.get_as(&token, "/portal/v1/stock").await.body["on_hand"], 8);

        for (sales, field) in [(json!([]), "sales"), (json!(vec![json!({}); 501]), "sales")] {
            let error = error_of(app.post_as(&token, "/portal/v1/sales/batch", json!({ "sales": sales })).await, 400);
            assert_eq!((error["code"].as_str(), error["field"].as_str()), (Some("invalid_batch"), Some(field)));
        }
        check_invariants(&app);
    }
}

on_both_backends! {
    async fn every_conflict_code_is_recorded_listed_resolved_and_audited(app: TestApp) {
        app.travel_to(thursday());
        let token = open_site(&app, "11817488", 3).await;
        let other = open_site(&app, "11817489", 10).await;
        // Bought the week's two at another site, then two more here offline, on a halted
        // site holding fewer than sold, on the wrong day: every rule at once.
        let buyer = rrn(1983, 1);
        let elsewhere = sell(&app, &other, sale(&buyer, 2, Some(wednesday()), false)).await;
        assert_eq!(elsewhere.status, 201, "{}", elsewhere.body);
        let halt = app.call(reqwest::Method::PUT, "/portal/v1/status", Some(&token), Some(json!({ "sales_halted": true }))).await;
        assert_eq!(halt.status, 200, "{}", halt.body);
        let reply = sell(&app, &token, sale(&buyer, 5, None, true)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let mut flagged = codes(&reply.body);
        flagged.sort_unstable();
        assert_eq!(flagged, ["not_rotation_day", "over_quota", "sales_halted", "stock_short"]);
        assert_eq!(reply.body["on_hand"], 0);
        assert_eq!(reply.body["remaining_quota"], 0);
        // The quota counts the sale: nothing more for this person this week, anywhere.
        let later = sell(&app, &other, sale(&buyer, 1, Some(wednesday()), false)).await;
        assert_eq!(error_of(later, 409)["code"], "weekly_quota_exceeded");

        let open = app.get_as(&token, "/portal/v1/conflicts?status=open").await.body;
        let open = open["conflicts"].as_array().unwrap().clone();
        assert_eq!(open.len(), 4);
        assert!(open.iter().all(|c| c["sale_id"] == reply.body["sale_id"] && c["status"] == "open"));
        assert_eq!(app.get_as(&other, "/portal/v1/conflicts").await.body["conflicts"], json!([]));

        for (i, conflict) in open.iter().enumerate() {
            let path = format!("/portal/v1/conflicts/{}/resolve", conflict["id"]);
            let body = json!({ "note": format!("called the buyer, note {i}"), "client_key": key() });
            let stranger = app.post_as(&other, &path, body.clone()).await;
            assert_eq!(error_of(stranger, 403)["code"], "forbidden");
            let resolved = app.post_as(&token, &path, body.clone()).await;
            assert_eq!(resolved.status, 200, "{}", resolved.body);
            assert_eq!(resolved.body["status"], "resolved");
            assert_eq!(resolved.body["note"], format!("called the buyer, note {i}"));
            let retried = app.post_as(&token, &path, body).await;
            assert_eq!(retried.body, resolved.body);
            let again = app.post_as(&token, &path, json!({ "note": "again", "client_key": key() })).await;
            assert_eq!(error_of(again, 409)["code"], "already_resolved");
        }
        let unknown = app.post_as(&token, "/portal/v1/conflicts/999999/resolve", json!({ "note": "x", "client_key": key() })).await;
        assert_eq!(error_of(unknown, 404)["code"], "not_found");
        let secret = app.post_as(&token, &format!("/portal/v1/conflicts/{}/resolve", open[0]["id"]),
            json!({ "note": format!("buyer {buyer}"), "client_key": key() })).await;
        assert_eq!(error_of(secret, 400)["code"], "resident_id_in_text");
        assert_eq!(app.get_as(&token, "/portal/v1/conflicts").await.body["conflicts"], json!([]));
        let resolved = app.get_as(&token, "/portal/v1/conflicts?status=resolved").await.body;
        assert_eq!(resolved["conflicts"].as_array().unwrap().len(), 4);
        let bad = app.get_as(&token, "/portal/v1/conflicts?status=all").await;
        assert_eq!(error_of(bad, 400)["field"], "status");

        let mut conn = app.db.connect();
        let audited = audit_entries(&mut conn, "conflict_resolved");
        assert_eq!(audited.len(), 4);
        assert!(audited.iter().all(|(session, detail)| session.is_some() && detail["sale_id"] == reply.body["sale_id"]));
        drop(conn);
        check_invariants(&app);

        let listed = stdout(&maskportal(&app.db, &["admin", "conflicts", "list", "--status", "resolved"], None));
        assert_eq!(listed.lines().filter(|line| line.contains("11817488")).count(), 4, "{listed}");
        assert!(listed.contains("stock_short") && listed.contains("called the buyer, note 0"), "{listed}");
        let open_now = stdout(&maskportal(&app.db, &["admin", "conflicts", "list"], None));
        assert!(open_now.contains("0 conflict(s)"), "{open_now}");
    }
}

on_both_backends! {
    async fn an_offline_sale_racing_a_live_one_over_the_quota_is_never_lost_nor_unflagged(app: TestApp) {
        app.travel_to(wednesday());
        let a = open_site(&app, "11817488", 100).await;
        let b = open_site(&app, "11817489", 100).await;
        // Each person bought one of two already; then one more at A offline and one at B live.
        let people: Vec<String> = (0..12).map(|i| rrn(1983, 100 + i)).collect();
        for person in &people {
            assert_eq!(sell(&app, &b, sale(person, 1, None, false)).await.status, 201);
        }
        let races = people.iter().map(|person| async {
            let offline = sell(&app, &a, sale(person, 1, None, true));
            let live = sell(&app, &b, sale(person, 1, None, false));
            tokio::join!(offline, live)
        });
        for (offline, live) in join_all(races).await {
            assert_eq!(offline.status, 201, "an offline sale is never refused: {}", offline.body);
            match live.status {
                201 => assert_eq!(codes(&offline.body), ["over_quota"], "live first: the offline sale is flagged"),
                409 => {
                    assert_eq!(live.body["error"]["code"], "weekly_quota_exceeded");
                    assert_eq!(codes(&offline.body), Vec::<&str>::new(), "offline first: it fits the quota");
                }
                other => panic!("live sale answered {other}: {}", live.body),
            }
        }
        check_invariants(&app);
    }
}

on_both_backends! {
    async fn a_sale_sealed_by_the_page_opens_only_with_its_own_client_key(app: TestApp) {
        app.travel_to(wednesday());
        let token = open_site(&app, "11817488", 10).await;
        let key_reply = app.get_as(&token, "/portal/v1/seal-key").await;
        assert_eq!(key_reply.status, 200, "{}", key_reply.body);
        assert_eq!(key_reply.body["alg"], "ECDH-P256+HKDF-SHA256+A256GCM");
        let kid = key_reply.body["kid"].as_str().unwrap().to_owned();
        let public = URL_SAFE_NO_PAD.decode(key_reply.body["public_key"].as_str().unwrap()).unwrap();
        assert_eq!(public.len(), 65);
        let sealed_for = |client_key: &str, plain: Value| {
            let sealed = seal(&public, &kid, client_key.as_bytes(), plain.to_string().as_bytes()).unwrap();
            json!({
                "kid": sealed.kid,
                "epk": URL_SAFE_NO_PAD.encode(&sealed.epk),
                "iv": URL_SAFE_NO_PAD.encode(&sealed.iv),
                "ciphertext": URL_SAFE_NO_PAD.encode(&sealed.ciphertext),
            })
        };
        let client_key = key();
        let parties = json!({ "resident_id": rrn(1983, 1) });
        let body = json!({ "sealed": sealed_for(&client_key, parties.clone()), "quantity": 2, "client_key": client_key, "offline": true });
        let sold = sell(&app, &token, body.clone()).await;
        assert_eq!(sold.status, 201, "{}", sold.body);
        assert_eq!(sold.body["remaining_quota"], 0);
        // The same person in clear: the quota knows them.
        let clear = sell(&app, &token, sale(&rrn(1983, 1), 1, None, false)).await;
        assert_eq!(error_of(clear, 409)["code"], "weekly_quota_exceeded");
        // A retry of the sealed sale replays it.
        assert_eq!(sell(&app, &token, body).await.body, sold.body);

        let moved = json!({ "sealed": sealed_for(&client_key, parties.clone()), "quantity": 1, "client_key": key() });
        assert_eq!(error_of(sell(&app, &token, moved).await, 400)["code"], "invalid_sealed");
        let k = key();
        let mut other_kid = sealed_for(&k, parties.clone());
        other_kid["kid"] = json!("0000000000000000");
        let refused = sell(&app, &token, json!({ "sealed": other_kid, "quantity": 1, "client_key": k })).await;
        assert_eq!(error_of(refused, 400)["field"], "sealed");
        let k = key();
        let mut garbled = sealed_for(&k, parties.clone());
        garbled["iv"] = json!("not base64!");
        let refused = sell(&app, &token, json!({ "sealed": garbled, "quantity": 1, "client_key": k })).await;
        assert_eq!(error_of(refused, 400)["field"], "sealed.iv");
        let k = key();
        let both = json!({ "sealed": sealed_for(&k, parties.clone()), "resident_id": rrn(1988, 2), "quantity": 1, "client_key": k });
        assert_eq!(error_of(sell(&app, &token, both).await, 400)["field"], "sealed");
        let k = key();
        let not_a_sale = json!({ "sealed": sealed_for(&k, json!({ "number": 1 })), "quantity": 1, "client_key": k });
        assert_eq!(error_of(sell(&app, &token, not_a_sale).await, 400)["code"], "invalid_sealed");
        let k = key();
        let typo = json!({ "sealed": sealed_for(&k, json!({ "resident_id": "830515-1000000" })), "quantity": 1, "client_key": k });
        assert_eq!(error_of(sell(&app, &token, typo).await, 400)["field"], "resident_id");
        let nobody = json!({ "quantity": 1, "client_key": key() });
        assert_eq!(error_of(sell(&app, &token, nobody).await, 400)["field"], "resident_id");
        check_invariants(&app);
    }
}

on_both_backends! {
    async fn the_policy_a_page_checks_offline_is_served_from_today_with_the_service_clock(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let token = app.token(&clerk, "counter-1").await;
        assert_eq!(error_of(app.get("/portal/v1/policy").await, 401)["code"], "not_signed_in");
        app.travel_to(wednesday());
        let policy = app.get_as(&token, "/portal/v1/policy").await;
        assert_eq!(policy.status, 200, "{}", policy.body);
        assert_eq!(policy.body["today"], "2020-03-11");
        assert_eq!(policy.body["now"], "2020-03-11T10:00:00+09:00");
        assert_eq!(policy.body["clock_shifted"], true);
        let first = &policy.body["periods"][0];
        assert_eq!(first["from"], "2020-03-09");
        assert_eq!(first["rotation"]["days"]["wed"], json!([3, 8]));
        assert_eq!(first["weekly_quota"], 2);
    }
}

#[tokio::test]
async fn offline_sales_their_conflicts_and_sync_lag_are_counted_in_the_metrics() {
    const METRICS_TOKEN: &str = "the scraper's token for offline metrics";
    let db = TestDatabase::sqlite();
    crate::helpers::add_site_by_cli(&db, "11817488");
    crate::helpers::add_clerk_by_cli(&db, "clerk1", "11817488", "offline password 0123");
    let settings =
        [("MASKPORTAL_METRICS_TOKEN", METRICS_TOKEN), ("MASKPORTAL_CLOCK", "2020-03-12T10:00:00+09:00")];
    let served = ServedBinary::start(&db, &settings).await;
    let client = reqwest::Client::new();
    let token = served.sign_in(&client, "clerk1", "offline password 0123", "counter-1").await;
    let post = |path: &str, body: Value| {
        client.post(format!("{}{path}", served.address)).bearer_auth(&token).json(&body).send()
    };
    post("/portal/v1/stock-in", json!({ "quantity": 10, "client_key": key() })).await.unwrap();
    let late = thursday() - Duration::minutes(30);
    let reply = post("/portal/v1/sales", sale(&rrn(1983, 1), 1, Some(late), true)).await.unwrap();
    assert_eq!(reply.status(), 201);
    let text =
        client.get(format!("{}/metrics", served.address)).bearer_auth(METRICS_TOKEN).send().await.unwrap();
    let text = text.text().await.unwrap();
    for expected in [
        "maskportal_offline_sales_total 1",
        "maskportal_sale_conflicts_total{code=\"not_rotation_day\"} 1",
        "maskportal_offline_sync_lag_seconds_count 1",
    ] {
        assert!(text.lines().any(|line| line == expected), "{expected} missing from:\n{text}");
    }
    served.stop("TERM").await;
}

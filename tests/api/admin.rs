//! The operator's API: who may call it, and what each action does and audits.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use maskportal::domain::resident_id::valid_rrn;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_of, Place, Reply, TestApp};
use crate::on_both_backends;

/// Every admin route, with a path that names something.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/admin/v1/dashboard"),
    ("GET", "/admin/v1/sites"),
    ("POST", "/admin/v1/sites"),
    ("POST", "/admin/v1/sites/import"),
    ("GET", "/admin/v1/sites/11817488"),
    ("PATCH", "/admin/v1/sites/11817488"),
    ("PUT", "/admin/v1/sites/11817488/status"),
    ("GET", "/admin/v1/users"),
    ("POST", "/admin/v1/users"),
    ("POST", "/admin/v1/users/clerk11817488/disable"),
    ("POST", "/admin/v1/users/clerk11817488/unlock"),
    ("POST", "/admin/v1/users/clerk11817488/password"),
    ("GET", "/admin/v1/api-keys"),
    ("POST", "/admin/v1/api-keys"),
    ("DELETE", "/admin/v1/api-keys/1"),
    ("GET", "/admin/v1/sessions"),
    ("DELETE", "/admin/v1/sessions/some-session"),
    ("GET", "/admin/v1/audit"),
    ("GET", "/admin/v1/conflicts"),
    ("POST", "/admin/v1/conflicts/1/resolve"),
    ("GET", "/admin/v1/policy"),
];

/// An operator's token (an admin account, signed in like a clerk).
async fn operator(app: &TestApp, name: &str) -> String {
    let admin = app.seed_user(name, None);
    let reply = app.sign_in(&admin, "console", false).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["site"], Value::Null);
    reply.body["token"].as_str().unwrap().to_owned()
}

async fn call(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> Reply {
    app.call(Method::from_bytes(method.as_bytes()).unwrap(), path, Some(token), body).await
}

/// The audit entries of `action`, newest first, through the admin API.
async fn audited(app: &TestApp, token: &str, action: &str) -> Vec<Value> {
    let reply = app.get_as(token, &format!("/admin/v1/audit?action={action}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["entries"].as_array().unwrap().clone()
}

/// Checks the newest `action` entry was made by the operator `username` from this machine.
async fn assert_audited_by(app: &TestApp, token: &str, action: &str, username: &str) -> Value {
    let entries = audited(app, token, action).await;
    let entry = entries.first().unwrap_or_else(|| panic!("{action} not audited")).clone();
    assert_eq!(entry["username"], username, "{entry}");
    assert!(entry["session_id"].is_string(), "{entry}");
    assert_eq!(entry["detail"]["address"], "127.0.0.1", "{entry}");
    entry
}

on_both_backends! {
    async fn every_admin_route_refuses_the_anonymous_and_clerks(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let clerk_token = app.token(&clerk, "counter-1").await;
        for (method, path) in ROUTES {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let anonymous = app.call(method.clone(), path, None, None).await;
            assert_eq!(error_of(anonymous, 401)["code"], "not_signed_in", "{method} {path}");
            let refused = app.call(method.clone(), path, Some(&clerk_token), Some(json!({}))).await;
            assert_eq!(error_of(refused, 403)["code"], "forbidden", "{method} {path}");
        }
        // An operator is let through to every one of them (what each then answers is below).
        let token = operator(&app, "ops").await;
        for (method, path) in ROUTES {
            let reply = call(&app, method, path, &token, None).await;
            assert!(![401, 403, 500].contains(&reply.status), "{method} {path}: {}", reply.body);
        }
    }
}

on_both_backends! {
    async fn operators_sign_in_on_any_number_of_devices(app: TestApp) {
        let admin = app.seed_user("ops", None);
        for device in ["desk-1", "desk-2", "laptop"] {
            let reply = app.sign_in(&admin, device, false).await;
            assert_eq!(reply.status, 201, "{device}: {}", reply.body);
            assert_eq!(reply.body["max_devices"], Value::Null);
        }
        let token = app.token(&admin, "desk-1").await;
        let sessions = app.get_as(&token, "/admin/v1/sessions").await.body;
        assert_eq!(sessions["sessions"].as_array().unwrap().len(), 3, "{sessions}");
    }
}

on_both_backends! {
    async fn sites_are_added_listed_filtered_opened_edited_and_halted(app: TestApp) {
        let token = operator(&app, "ops").await;
        app.seed_sites(&[
            Place::pharmacy("100", 37.55, 126.91, "서울특별시 마포구 월드컵로 1 (망원동)"),
            Place::pharmacy("200", 35.1, 129.04, "부산광역시 중구 중앙대로 1 (중앙동)"),
        ]);
        let body = json!({
            "code": "300", "name": "우체국", "type": "post_office",
            "addr": "서울특별시 종로구 종로 6 (서린동)", "lat": 37.57, "lng": 126.98, "max_devices": 2,
        });
        let added = app.post_as(&token, "/admin/v1/sites", body.clone()).await;
        assert_eq!(added.status, 201, "{}", added.body);
        assert_eq!((added.body["sido"].as_str(), added.body["max_devices"].as_i64()), (Some("서울특별시"), Some(2)));
        assert_eq!(error_of(app.post_as(&token, "/admin/v1/sites", body).await, 409)["code"], "site_code_taken");
        assert_audited_by(&app, &token, "site_registered", "ops").await;
        // The public board picks the new site up.
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            app.get("/v2/stores/300").await.status == 200
        })
        .await;

        let codes = |reply: Reply| -> Vec<String> {
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body["sites"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(codes(app.get_as(&token, "/admin/v1/sites").await), ["100", "200", "300"]);
        assert_eq!(codes(app.get_as(&token, "/admin/v1/sites?sido=서울").await), ["100", "300"]);
        assert_eq!(codes(app.get_as(&token, "/admin/v1/sites?type=post_office").await), ["300"]);
        assert_eq!(codes(app.get_as(&token, "/admin/v1/sites?q=중앙대로").await), ["200"]);
        assert_eq!(codes(app.get_as(&token, "/admin/v1/sites?limit=1&offset=1").await), ["200"]);
        for bad in ["sido=아틀란티스", "type=bank", "status=lots", "limit=0"] {
            let reply = app.get_as(&token, &format!("/admin/v1/sites?{bad}")).await;
            assert_eq!(error_of(reply, 400)["code"], "invalid_query", "{bad}");
        }

        let edited = call(&app, "PATCH", "/admin/v1/sites/100", &token,
            Some(json!({ "name": "망원온누리약국", "lat": 37.556, "lng": 126.905, "max_devices": 3 }))).await;
        assert_eq!(edited.status, 200, "{}", edited.body);
        assert_eq!((edited.body["name"].as_str(), edited.body["max_devices"].as_i64()), (Some("망원온누리약국"), Some(3)));
        let north = call(&app, "PATCH", "/admin/v1/sites/100", &token, Some(json!({ "lat": 37.557, "name": null }))).await;
        assert_eq!((north.body["lat"].as_f64(), north.body["lng"].as_f64()), (Some(37.557), Some(126.905)), "{}", north.body);
        assert_eq!(north.body["name"], "망원온누리약국", "null leaves a field as it is");
        let nameless = call(&app, "PATCH", "/admin/v1/sites/100", &token, Some(json!({ "name": " " }))).await;
        assert_eq!(error_of(nameless, 400)["code"], "invalid_site");
        let far = call(&app, "PATCH", "/admin/v1/sites/100", &token, Some(json!({ "lat": 10.0, "lng": 127.0 }))).await;
        assert_eq!(error_of(far, 400)["field"], "lat");
        let missing = call(&app, "PATCH", "/admin/v1/sites/999", &token, Some(json!({ "name": "x" }))).await;
        assert_eq!(error_of(missing, 404)["code"], "not_found");
        assert_eq!(assert_audited_by(&app, &token, "site_edited", "ops").await["site"], "100");

        // The public sees a status once a site has had a delivery.
        let clerk = app.token(&app.seed_user("clerk100", Some("100")), "counter-1").await;
        let delivered = app.post_as(&clerk, "/portal/v1/stock-in",
            json!({ "quantity": 50, "client_key": uuid::Uuid::new_v4().to_string() })).await;
        assert_eq!(delivered.status, 201);
        let halted = call(&app, "PUT", "/admin/v1/sites/100/status", &token, Some(json!({ "sales_halted": true }))).await;
        assert_eq!(halted.body["remain_stat"], "break", "{}", halted.body);
        assert_audited_by(&app, &token, "sales_halted", "ops").await;
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            // Slowly: the open API limits an address to 20 requests a second.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let stores = app.get("/corona19-masks/v1/storesByGeo/json?lat=37.557&lng=126.905&m=500").await;
            stores.body["stores"].as_array().is_some_and(|all| all.iter().any(|s| s["code"] == "100" && s["remain_stat"] == "break"))
        })
        .await;
        let listed = codes(app.get_as(&token, "/admin/v1/sites?status=break").await);
        assert_eq!(listed, ["100"]);

        let opened = app.get_as(&token, "/admin/v1/sites/100").await;
        assert_eq!(opened.status, 200, "{}", opened.body);
        assert_eq!(opened.body["site"]["sales_halted"], true);
        assert_eq!(error_of(app.get_as(&token, "/admin/v1/sites/12a").await, 400)["code"], "invalid_site");
    }
}

on_both_backends! {
    async fn accounts_get_one_time_passwords_and_are_disabled_unlocked_and_reset(app: TestApp) {
        let token = operator(&app, "ops").await;
        app.seed_site("11817488", 1);
        let created = app.post_as(&token, "/admin/v1/users",
            json!({ "username": "kim", "role": "clerk", "site": "11817488" })).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let password = created.body["password"].as_str().unwrap().to_owned();
        let kim = crate::helpers::TestClerk { username: "kim".into(), password: password.clone() };
        assert_eq!(app.sign_in(&kim, "counter-1", false).await.status, 201);
        assert_audited_by(&app, &token, "user_created", "ops").await;
        let taken = app.post_as(&token, "/admin/v1/users", json!({ "username": "kim", "role": "admin" })).await;
        assert_eq!(error_of(taken, 409)["code"], "username_taken");
        let siteless = app.post_as(&token, "/admin/v1/users", json!({ "username": "lee", "role": "clerk" })).await;
        assert_eq!(error_of(siteless, 400)["field"], "site");

        let of_site = app.get_as(&token, "/admin/v1/users?site=11817488").await.body;
        let names: Vec<&str> = of_site["users"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
        assert_eq!(names, ["kim"]);

        // Locked out by wrong passwords, then unlocked by the operator.
        let wrong = crate::helpers::TestClerk { username: "kim".into(), password: "not the password".into() };
        for _ in 0..5 {
            app.sign_in(&wrong, "counter-1", false).await;
        }
        assert_eq!(error_of(app.sign_in(&kim, "counter-1", false).await, 429)["code"], "account_locked");
        let listed = app.get_as(&token, "/admin/v1/users?site=11817488").await.body;
        assert!(listed["users"][0]["locked_until"].is_string(), "{listed}");
        let unlocked = app.post_as(&token, "/admin/v1/users/kim/unlock", json!({})).await;
        assert_eq!(unlocked.body["locked_until"], Value::Null, "{}", unlocked.body);
        assert_eq!(app.sign_in(&kim, "counter-1", false).await.status, 201);
        assert_audited_by(&app, &token, "user_unlocked", "ops").await;

        let reset = app.post_as(&token, "/admin/v1/users/kim/password", json!({})).await;
        assert_eq!(reset.status, 200, "{}", reset.body);
        let fresh = crate::helpers::TestClerk { username: "kim".into(), password: reset.body["password"].as_str().unwrap().into() };
        assert_eq!(error_of(app.sign_in(&kim, "counter-1", false).await, 401)["code"], "invalid_credentials");
        let signed_in = app.sign_in(&fresh, "counter-1", false).await;
        assert_eq!(signed_in.status, 201);
        assert_audited_by(&app, &token, "user_password_set", "ops").await;

        let disabled = app.post_as(&token, "/admin/v1/users/kim/disable", json!({})).await;
        assert_eq!(disabled.body["disabled"], true);
        let clerk_token = signed_in.body["token"].as_str().unwrap();
        assert_eq!(error_of(app.get_as(clerk_token, "/portal/v1/stock").await, 401)["reason"], "revoked_by_admin");
        assert_eq!(error_of(app.sign_in(&fresh, "counter-2", false).await, 401)["code"], "account_disabled");
        assert_audited_by(&app, &token, "user_disabled", "ops").await;
        let nobody = app.post_as(&token, "/admin/v1/users/nobody/disable", json!({})).await;
        assert_eq!(error_of(nobody, 404)["code"], "not_found");
        let bad = app.post_as(&token, "/admin/v1/users/NO!/disable", json!({})).await;
        assert_eq!(error_of(bad, 400)["code"], "invalid_username");
    }
}

on_both_backends! {
    async fn api_keys_are_issued_once_used_and_revoked(app: TestApp) {
        let token = operator(&app, "ops").await;
        let issued = app.post_as(&token, "/admin/v1/api-keys", json!({ "name": "map app", "per_second": 50 })).await;
        assert_eq!(issued.status, 201, "{}", issued.body);
        assert_eq!(issued.body["api_key"]["burst"], 250);
        let key = issued.body["key"].as_str().unwrap().to_owned();
        let id = issued.body["api_key"]["id"].as_i64().unwrap();
        assert_audited_by(&app, &token, "api_key_issued", "ops").await;

        let url = app.url("/corona19-masks/v1/stores/json");
        let used = app.client.get(&url).header("x-api-key", &key).send().await.unwrap();
        assert_eq!(used.status(), 200);
        let listed = app.get_as(&token, "/admin/v1/api-keys").await.body;
        assert!(listed["api_keys"][0]["last_used_at"].is_string(), "{listed}");
        assert!(!listed.to_string().contains(&key), "the key is shown only once");

        let revoked = call(&app, "DELETE", &format!("/admin/v1/api-keys/{id}"), &token, None).await;
        assert_eq!(revoked.status, 204, "{}", revoked.body);
        let refused = app.client.get(&url).header("x-api-key", &key).send().await.unwrap();
        assert_eq!(refused.status(), 401);
        assert_audited_by(&app, &token, "api_key_revoked", "ops").await;
        let again = call(&app, "DELETE", &format!("/admin/v1/api-keys/{id}"), &token, None).await;
        assert_eq!(error_of(again, 404)["code"], "not_found");
        let zero = app.post_as(&token, "/admin/v1/api-keys", json!({ "name": "x", "per_second": 0 })).await;
        assert_eq!(error_of(zero, 400)["field"], "per_second");
    }
}

on_both_backends! {
    async fn sessions_are_listed_per_site_and_revoked(app: TestApp) {
        let token = operator(&app, "ops").await;
        let clerk = app.seed_clerk("11817488", 2);
        let signed_in = app.sign_in(&clerk, "counter-1", false).await.body;
        app.seed_clerk("22222222", 1);
        let listed = app.get_as(&token, "/admin/v1/sessions?site=11817488").await.body;
        let sessions = listed["sessions"].as_array().unwrap();
        assert_eq!(sessions.len(), 1, "{listed}");
        assert_eq!((sessions[0]["device_id"].as_str(), sessions[0]["device_name"].as_str()), (Some("counter-1"), Some("counter counter-1")));
        assert_eq!(sessions[0]["username"], "clerk11817488");
        assert!(sessions[0]["last_seen_at"].is_string());
        let missing = app.get_as(&token, "/admin/v1/sessions?site=999").await;
        assert_eq!(error_of(missing, 404)["code"], "not_found");

        let id = signed_in["session_id"].as_str().unwrap();
        let revoked = call(&app, "DELETE", &format!("/admin/v1/sessions/{id}"), &token, None).await;
        assert_eq!(revoked.status, 204);
        let ended = app.get_as(signed_in["token"].as_str().unwrap(), "/portal/v1/stock").await;
        assert_eq!(error_of(ended, 401)["reason"], "revoked_by_admin");
        let entry = assert_audited_by(&app, &token, "session_revoked", "ops").await;
        assert_eq!(entry["detail"]["revoked_session"], id);
        let again = call(&app, "DELETE", &format!("/admin/v1/sessions/{id}"), &token, None).await;
        assert_eq!(error_of(again, 404)["code"], "not_found");
    }
}

on_both_backends! {
    async fn the_audit_log_is_filtered_paged_and_exported_as_csv(app: TestApp) {
        let token = operator(&app, "ops").await;
        app.seed_clerk("11817488", 1);
        app.seed_clerk("22222222", 1);
        for site in ["11817488", "22222222", "11817488"] {
            call(&app, "PUT", &format!("/admin/v1/sites/{site}/status"), &token, Some(json!({ "sales_halted": true }))).await;
        }
        let (app, token) = (&app, &token);
        let page = |query: &str| {
            let path = format!("/admin/v1/audit?{query}");
            async move { app.get_as(token, &path).await }
        };
        let halted = page("action=sales_halted&site=11817488").await.body;
        assert_eq!(halted["entries"].as_array().unwrap().len(), 2, "{halted}");
        let by_user = page("user=ops&action=sales_halted").await.body;
        assert_eq!(by_user["entries"].as_array().unwrap().len(), 3);
        assert_eq!(page("user=nobody").await.body["entries"], json!([]));

        let first = page("action=sales_halted&limit=2").await.body;
        assert_eq!(first["entries"].as_array().unwrap().len(), 2);
        let cursor = first["next_before"].as_i64().unwrap();
        let rest = page(&format!("action=sales_halted&limit=2&before={cursor}")).await.body;
        assert_eq!(rest["entries"].as_array().unwrap().len(), 1);
        assert_eq!(rest["entries"][0]["site"], "11817488");
        assert_eq!(rest["next_before"], Value::Null);

        let later = (Utc::now() + Duration::hours(1)).to_rfc3339();
        let none = page(&format!("from={}", later.replace('+', "%2B"))).await.body;
        assert_eq!(none["entries"], json!([]));
        assert_eq!(error_of(page("from=yesterday").await, 400)["field"], "from");

        for request in [
            app.client.get(app.url("/admin/v1/audit?format=csv&action=sales_halted")).bearer_auth(token),
            app.client.get(app.url("/admin/v1/audit?action=sales_halted")).bearer_auth(token).header("accept", "text/csv"),
        ] {
            let reply = Reply::read(request.send().await.unwrap()).await;
            crate::contract::assert_reply_documented("GET", "/admin/v1/audit", &reply);
            assert!(reply.header("content-type").unwrap().starts_with("text/csv"));
            let text = reply.body.as_str().unwrap().to_owned();
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("id,at,action,username,site,session_id,detail"));
            assert_eq!(lines.filter(|l| l.contains(",sales_halted,ops,")).count(), 3, "{text}");
        }
    }
}

/// Thursday 12 March 2020, 10:00 in Korea: birth years ending in 4 and 9 may buy.
fn thursday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 3, 12, 1, 0, 0).unwrap()
}

on_both_backends! {
    async fn operators_list_conflicts_nationally_and_resolve_them(app: TestApp) {
        app.travel_to(thursday());
        let token = operator(&app, "ops").await;
        let clerk = app.seed_clerk("11817488", 1);
        let clerk_token = app.token(&clerk, "counter-1").await;
        let key = || uuid::Uuid::new_v4().to_string();
        app.post_as(&clerk_token, "/portal/v1/stock-in", json!({ "quantity": 10, "client_key": key() })).await;
        let wednesday_born = valid_rrn(NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, 1);
        let offline = app.post_as(&clerk_token, "/portal/v1/sales",
            json!({ "resident_id": wednesday_born, "quantity": 1, "client_key": key(), "offline": true })).await;
        assert_eq!(offline.status, 201, "{}", offline.body);

        let listed = app.get_as(&token, "/admin/v1/conflicts").await.body;
        let conflicts = listed["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{listed}");
        assert_eq!((conflicts[0]["site"].as_str(), conflicts[0]["code"].as_str()), (Some("11817488"), Some("not_rotation_day")));
        let path = format!("/admin/v1/conflicts/{}/resolve", conflicts[0]["id"]);
        let resolved = app.post_as(&token, &path, json!({ "note": "본인 확인 후 승인" })).await;
        assert_eq!(resolved.status, 200, "{}", resolved.body);
        assert_eq!(resolved.body["status"], "resolved");
        let again = app.post_as(&token, &path, json!({ "note": "again" })).await;
        assert_eq!(error_of(again, 409)["code"], "already_resolved");
        let entry = assert_audited_by(&app, &token, "conflict_resolved", "ops").await;
        assert_eq!(entry["site"], "11817488");
        assert_eq!(app.get_as(&token, "/admin/v1/conflicts").await.body["conflicts"], json!([]));
        let done = app.get_as(&token, "/admin/v1/conflicts?status=resolved&site=11817488").await.body;
        assert_eq!(done["conflicts"][0]["note"], "본인 확인 후 승인");
        let unknown = app.post_as(&token, "/admin/v1/conflicts/999999/resolve", json!({ "note": "x" })).await;
        assert_eq!(error_of(unknown, 404)["code"], "not_found");
    }
}

on_both_backends! {
    async fn the_policy_and_the_dashboard_show_what_the_database_holds(app: TestApp) {
        app.travel_to(thursday());
        let token = operator(&app, "ops").await;
        let policy = app.get_as(&token, "/admin/v1/policy").await;
        assert_eq!(policy.status, 200);
        assert!(!policy.body["periods"].as_array().unwrap().is_empty());

        app.seed_sites(&[
            Place::pharmacy("100", 37.55, 126.91, "서울특별시 마포구 월드컵로 1 (망원동)"),
            Place::pharmacy("200", 35.1, 129.04, "부산광역시 중구 중앙대로 1 (중앙동)"),
            Place::pharmacy("300", 35.1, 129.04, "부산광역시 중구 중앙대로 2 (중앙동)"),
        ]);
        let clerk = app.seed_user("clerk100", Some("100"));
        let clerk_token = app.token(&clerk, "counter-1").await;
        let key = || uuid::Uuid::new_v4().to_string();
        app.post_as(&clerk_token, "/portal/v1/stock-in", json!({ "quantity": 120, "client_key": key() })).await;
        let thursday_born = valid_rrn(NaiveDate::from_ymd_opt(1984, 5, 15).unwrap(), 1, 1);
        let sold = app.post_as(&clerk_token, "/portal/v1/sales",
            json!({ "resident_id": thursday_born, "quantity": 2, "client_key": key() })).await;
        assert_eq!(sold.status, 201, "{}", sold.body);
        call(&app, "PUT", "/admin/v1/sites/300/status", &token, Some(json!({ "sales_halted": true }))).await;

        let d = app.get_as(&token, "/admin/v1/dashboard").await.body;
        assert_eq!((d["on_hand"].as_i64(), d["sold_today"].as_i64(), d["sites"].as_i64()), (Some(118), Some(2), Some(3)), "{d}");
        assert_eq!(d["by_status"], json!({ "plenty": 1, "some": 0, "few": 0, "empty": 1, "break": 1 }));
        assert_eq!(d["by_sido"], json!([
            { "sido": "부산광역시", "sites": 2, "on_hand": 0, "selling": 0 },
            { "sido": "서울특별시", "sites": 1, "on_hand": 118, "selling": 1 },
        ]));
        let hours = d["sold_by_hour"].as_array().unwrap();
        assert_eq!(hours.len(), 11, "00:00 to the 10:00 hour");
        assert_eq!(hours[10], 2);
        assert_eq!(d["stale_count"], 0);

        app.travel_to(thursday() + Duration::hours(4));
        let token = app.token(&app.seed_user("ops2", None), "console").await;
        let later = app.get_as(&token, "/admin/v1/dashboard?stale_hours=3").await.body;
        assert_eq!(later["stale_count"], 1, "{later}");
        assert_eq!(later["stale"][0]["code"], "100");
        assert_eq!(later["sold_today"], 2);
        let bad = app.get_as(&token, "/admin/v1/dashboard?stale_hours=0").await;
        assert_eq!(error_of(bad, 400)["code"], "invalid_query");
    }
}

#[tokio::test]
async fn the_console_page_is_served_from_the_binary_with_a_strict_policy_and_its_chart_library() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let page = app.get("/console").await;
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"), "{csp}");
    let html = page.body.as_str().unwrap();
    let linked: Vec<&str> = html.split('"').filter(|part| part.starts_with("/console/assets/")).collect();
    assert_eq!(linked.len(), 4, "{html}");
    for url in linked {
        let asset = app.get(url).await;
        assert_eq!(asset.status, 200, "{url}");
        assert_eq!(asset.header("cache-control"), Some("public, max-age=31536000, immutable"), "{url}");
    }
    let licence = app.get("/console/assets/uPlot.LICENSE").await;
    assert!(licence.body.as_str().unwrap().contains("Leon Sorokin"));
    assert_eq!(error_of(app.get("/console/assets/../Cargo.toml").await, 404)["code"], "not_found");
}

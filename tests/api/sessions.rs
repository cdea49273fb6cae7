//! Sign-in with a device limit per site, sign-out, lockout, and token checks.

use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_of, maskportal, stdout, TestApp};
use crate::on_both_backends;

on_both_backends! {
    async fn a_clerk_signs_in_sees_the_device_and_signs_out(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let reply = app.sign_in(&clerk, "device-a", false).await;
        assert_eq!(reply.status, 201);
        let body = reply.body;
        assert_eq!(body["site"], json!({ "code": "11817488", "name": "11817488약국", "type": "pharmacy" }));
        assert_eq!(body["max_devices"], 1);
        assert!(body["expires_at"].as_str().unwrap().ends_with("+09:00"), "{body}");
        let token = body["token"].as_str().unwrap();

        let devices = app.get_as(token, "/portal/v1/sessions").await.body;
        assert_eq!(devices["max_devices"], 1);
        assert_eq!(devices["sessions"].as_array().unwrap().len(), 1);
        assert_eq!(devices["sessions"][0]["device_name"], "counter device-a");
        assert_eq!(devices["sessions"][0]["current"], true);

        let out = app.call(Method::DELETE, "/portal/v1/sessions/current", Some(token), None).await;
        assert_eq!(out.status, 204);
        let after = error_of(app.get_as(token, "/portal/v1/sessions").await, 401);
        assert_eq!(after["code"], "session_revoked");
        assert_eq!(after["reason"], "logged_out");
    }
}

on_both_backends! {
    async fn a_wrong_password_and_an_unknown_user_get_the_same_answer(app: TestApp) {
        let mut clerk = app.seed_clerk("11817488", 1);
        clerk.password = "not the password".into();
        let wrong = error_of(app.sign_in(&clerk, "d", false).await, 401);
        clerk.username = "nobody".into();
        let unknown = error_of(app.sign_in(&clerk, "d", false).await, 401);
        assert_eq!(wrong, unknown);
        assert_eq!(wrong["code"], "invalid_credentials");
    }
}

on_both_backends! {
    async fn five_failures_lock_an_account_for_fifteen_minutes(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let mut wrong = app.seed_user("unused", Some("11817488"));
        wrong.username = clerk.username.clone();
        for _ in 0..5 {
            error_of(app.sign_in(&wrong, "d", false).await, 401);
        }
        let reply = app.sign_in(&clerk, "d", false).await;
        let retry_after: u64 = reply.header("retry-after").unwrap().parse().unwrap();
        let locked = error_of(reply, 429);
        assert_eq!(locked["code"], "account_locked");
        assert!((899..=900).contains(&retry_after), "{retry_after}");
        assert_eq!(locked["retry_after"], retry_after);

        app.clock.advance(Duration::minutes(15));
        assert_eq!(app.sign_in(&clerk, "d", false).await.status, 201);
    }
}

on_both_backends! {
    async fn an_unknown_username_locks_exactly_like_a_real_one(app: TestApp) {
        let mut ghost = app.seed_clerk("11817488", 1);
        ghost.username = "ghost".into();
        for _ in 0..5 {
            error_of(app.sign_in(&ghost, "d", false).await, 401);
        }
        assert_eq!(error_of(app.sign_in(&ghost, "d", false).await, 429)["code"], "account_locked");
    }
}

on_both_backends! {
    async fn a_known_and_an_unknown_names_failures_are_forgotten_alike_after_the_window(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let known = crate::helpers::TestClerk { username: clerk.username.clone(), password: "not the password".into() };
        let unknown = crate::helpers::TestClerk { username: "ghost".into(), password: "not the password".into() };
        for _ in 0..4 {
            error_of(app.sign_in(&known, "d", false).await, 401);
            error_of(app.sign_in(&unknown, "d", false).await, 401);
        }
        app.clock.advance(Duration::minutes(15) + Duration::seconds(1));
        for _ in 0..2 {
            let known_reply = app.sign_in(&known, "d", false).await;
            let unknown_reply = app.sign_in(&unknown, "d", false).await;
            assert_eq!((known_reply.status, &known_reply.body), (unknown_reply.status, &unknown_reply.body));
            assert_eq!(error_of(known_reply, 401)["code"], "invalid_credentials");
        }
        assert_eq!(app.sign_in(&clerk, "d", false).await.status, 201, "two failures in the new window do not lock");
    }
}

on_both_backends! {
    async fn a_second_device_is_refused_with_the_devices_already_signed_in(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let first = app.token(&clerk, "device-a").await;
        let refused = error_of(app.sign_in(&clerk, "device-b", false).await, 409);
        assert_eq!(refused["code"], "device_limit_reached");
        assert_eq!(refused["max_devices"], 1);
        let devices = refused["devices"].as_array().unwrap();
        assert_eq!(devices.len(), 1);
        assert_eq!(devices[0]["device_name"], "counter device-a");
        assert!(devices[0]["signed_in_at"].is_string() && devices[0]["last_seen_at"].is_string());
        assert!(!refused.to_string().contains(&first), "another clerk's token leaked");
        assert_eq!(app.get_as(&first, "/portal/v1/sessions").await.status, 200);
    }
}

on_both_backends! {
    async fn takeover_revokes_the_least_recently_used_device(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let first = app.token(&clerk, "device-a").await;
        let reply = app.sign_in(&clerk, "device-b", true).await;
        assert_eq!(reply.status, 201);
        let second = reply.body;

        let ended = error_of(app.get_as(&first, "/portal/v1/sessions").await, 401);
        assert_eq!(ended["code"], "session_revoked");
        assert_eq!(ended["reason"], "signed_in_elsewhere");
        let devices = app.get_as(second["token"].as_str().unwrap(), "/portal/v1/sessions").await.body;
        assert_eq!(devices["sessions"].as_array().unwrap().len(), 1);
    }
}

on_both_backends! {
    async fn a_site_allowing_two_devices_refuses_the_third(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 2);
        app.token(&clerk, "device-a").await;
        app.token(&clerk, "device-b").await;
        let refused = error_of(app.sign_in(&clerk, "device-c", false).await, 409);
        assert_eq!(refused["devices"].as_array().unwrap().len(), 2);
    }
}

on_both_backends! {
    async fn the_same_device_signing_in_again_replaces_its_own_session(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let old = app.token(&clerk, "device-a").await;
        let new = app.token(&clerk, "device-a").await;
        let ended = error_of(app.get_as(&old, "/portal/v1/sessions").await, 401);
        assert_eq!(ended["reason"], "signed_in_again");
        let devices = app.get_as(&new, "/portal/v1/sessions").await.body;
        assert_eq!(devices["sessions"].as_array().unwrap().len(), 1);
    }
}

on_both_backends! {
    async fn twenty_devices_signing_in_at_once_leave_exactly_one_session(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let attempts = (0..20).map(|i| {
            let (app, clerk) = (&app, &clerk);
            async move { app.sign_in(clerk, &format!("device-{i}"), false).await.status }
        });
        let mut statuses = futures_util::future::join_all(attempts).await;
        statuses.sort_unstable();
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    }
}

on_both_backends! {
    async fn an_idle_session_ends_and_frees_its_slot(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let token = app.token(&clerk, "device-a").await;
        app.clock.advance(Duration::minutes(21));
        let ended = error_of(app.get_as(&token, "/portal/v1/sessions").await, 401);
        assert_eq!(ended["code"], "session_revoked");
        assert_eq!(ended["reason"], "idle_timeout");
        assert_eq!(app.sign_in(&clerk, "device-b", false).await.status, 201);
    }
}

on_both_backends! {
    async fn an_idle_session_elsewhere_does_not_block_a_new_device(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        app.token(&clerk, "device-a").await;
        app.clock.advance(Duration::minutes(21));
        assert_eq!(app.sign_in(&clerk, "device-b", false).await.status, 201);
    }
}

on_both_backends! {
    async fn activity_keeps_a_session_alive_past_the_idle_timeout(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let token = app.token(&clerk, "device-a").await;
        for _ in 0..3 {
            app.clock.advance(Duration::minutes(15));
            assert_eq!(app.get_as(&token, "/portal/v1/sessions").await.status, 200);
        }
    }
}

on_both_backends! {
    async fn an_expired_token_is_refused(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let token = app.token(&clerk, "device-a").await;
        app.clock.advance(Duration::hours(12));
        assert_eq!(error_of(app.get_as(&token, "/portal/v1/sessions").await, 401)["code"], "token_expired");
    }
}

on_both_backends! {
    async fn forged_and_tampered_tokens_are_refused(app: TestApp) {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let clerk = app.seed_clerk("11817488", 1);
        let token = app.token(&clerk, "device-a").await;
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();

        let other_secret = maskportal::secrets::JwtSecret::from_bytes(vec![7u8; 32]);
        let other_key = maskportal::services::tokens::TokenKeys::new(&other_secret)
            .sign(&serde_json::from_value(claims.clone()).unwrap())
            .unwrap();
        let alg_none = format!("{}.{}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
        claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400);
        let altered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2]);

        for forged in [other_key, alg_none, altered, "garbage".to_owned()] {
            let refused = error_of(app.get_as(&forged, "/portal/v1/sessions").await, 401);
            assert_eq!(refused["code"], "invalid_token", "{forged}");
        }
        assert_eq!(error_of(app.get("/portal/v1/sessions").await, 401)["code"], "not_signed_in");
        assert_eq!(app.get_as(&token, "/portal/v1/sessions").await.status, 200);
    }
}

on_both_backends! {
    async fn an_operator_revokes_a_session_from_the_cli(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        let body = app.sign_in(&clerk, "device-a", false).await.body;
        let listed = stdout(&maskportal(&app.db, &["admin", "session", "list", "--site", "11817488"], None));
        let session_id = body["session_id"].as_str().unwrap();
        assert!(listed.contains(session_id), "{listed}");

        stdout(&maskportal(&app.db, &["admin", "session", "revoke", "--id", session_id], None));
        let ended = error_of(app.get_as(body["token"].as_str().unwrap(), "/portal/v1/sessions").await, 401);
        assert_eq!(ended["reason"], "revoked_by_admin");

        let actions = crate::helpers::audit_actions(&mut app.db.connect());
        for action in ["signed_in", "session_revoked"] {
            assert!(actions.iter().any(|a| a == action), "{action} not audited: {actions:?}");
        }
    }
}

on_both_backends! {
    async fn sign_ins_takeovers_sign_outs_and_lockouts_are_audited(app: TestApp) {
        let clerk = app.seed_clerk("11817488", 1);
        app.token(&clerk, "device-a").await;
        let second = app.sign_in(&clerk, "device-b", true).await.body;
        app.call(Method::DELETE, "/portal/v1/sessions/current", second["token"].as_str(), None).await;
        let mut wrong = app.seed_user("other", Some("11817488"));
        wrong.password = "wrong password".into();
        for _ in 0..5 {
            app.sign_in(&wrong, "device-c", false).await;
        }
        let actions = crate::helpers::audit_actions(&mut app.db.connect());
        for action in ["signed_in", "session_taken_over", "signed_out", "sign_in_failed", "account_locked"] {
            assert!(actions.iter().any(|a| a == action), "{action} not audited: {actions:?}");
        }
    }
}

on_both_backends! {
    async fn an_admin_has_no_site_and_no_clerk_endpoints(app: TestApp) {
        let admin = app.seed_user("operator", None);
        let reply = app.sign_in(&admin, "ops-laptop", false).await;
        assert_eq!(reply.status, 201);
        let body = reply.body;
        assert_eq!(body["site"], Value::Null);
        let refused = error_of(app.get_as(body["token"].as_str().unwrap(), "/portal/v1/sessions").await, 403);
        assert_eq!(refused["code"], "forbidden");
    }
}

#[tokio::test]
async fn malformed_sign_ins_are_400_415_or_413_never_500() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let sign_in = |body: Value| app.call(Method::POST, "/portal/v1/sessions", None, Some(body));
    let missing = sign_in(json!({ "username": "a", "password": "b" })).await;
    assert_eq!(error_of(missing, 400)["field"], "device_id");
    let bad_device = sign_in(json!({ "username": "a", "password": "b", "device_id": "has space" })).await;
    assert_eq!(error_of(bad_device, 400)["field"], "device_id");
    let huge = sign_in(json!({ "username": "a", "password": "x".repeat(100_000), "device_id": "d" })).await;
    assert_eq!(error_of(huge, 413)["code"], "body_too_large");

    let not_json = app.post_raw("/portal/v1/sessions", "application/json", "{").await;
    assert_eq!(error_of(not_json, 400)["code"], "invalid_body");
    let form = app.post_raw("/portal/v1/sessions", "text/plain", "username=a").await;
    assert_eq!(error_of(form, 415)["code"], "unsupported_media_type");
}

#[tokio::test]
async fn one_address_guessing_many_usernames_is_locked_out_and_audited() {
    let settings = [("MASKPORTAL_MAX_FAILED_LOGINS_PER_IP", "3")];
    let app = TestApp::spawn_with(
        crate::helpers::TestDatabase::sqlite(),
        maskportal::domain::clock::Clock::system(),
        &settings,
    )
    .await;
    let mut clerk = app.seed_clerk("11817488", 1);
    let real_password = std::mem::replace(&mut clerk.password, "guess".into());
    for name in ["alpha", "bravo", "charlie"] {
        clerk.username = name.into();
        error_of(app.sign_in(&clerk, "d", false).await, 401);
    }
    clerk.username = "clerk11817488".into();
    clerk.password = real_password;
    assert_eq!(error_of(app.sign_in(&clerk, "d", false).await, 429)["code"], "account_locked");
    let actions = crate::helpers::audit_actions(&mut app.db.connect());
    assert!(actions.iter().any(|a| a == "address_locked"), "{actions:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_clients_failures_lock_out_that_client_only() {
    let settings =
        [("MASKPORTAL_MAX_FAILED_LOGINS_PER_IP", "3"), ("MASKPORTAL_TRUSTED_PROXIES", "127.0.0.1")];
    let app = TestApp::spawn_with(
        crate::helpers::TestDatabase::sqlite(),
        maskportal::domain::clock::Clock::system(),
        &settings,
    )
    .await;
    let clerk = app.seed_clerk("11817488", 1);
    let sign_in_from = |client: &'static str, username: &str, password: &str| {
        let body = serde_json::json!({
            "username": username, "password": password, "device_id": "d", "device_name": "counter",
        });
        app.client.post(app.url("/portal/v1/sessions")).header("X-Forwarded-For", client).json(&body).send()
    };
    for name in ["alpha", "bravo", "charlie"] {
        assert_eq!(sign_in_from("203.0.113.9", name, "guess").await.unwrap().status(), 401);
    }
    let guesser = sign_in_from("203.0.113.9", &clerk.username, &clerk.password).await.unwrap();
    assert_eq!(guesser.status(), 429, "the guessing client is locked out");
    let colleague = sign_in_from("203.0.113.10", &clerk.username, &clerk.password).await.unwrap();
    assert_eq!(colleague.status(), 201, "a clerk behind the same proxy still signs in");
}

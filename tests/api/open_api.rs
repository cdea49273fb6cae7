//! The public open API: the 2020 contract point by point, v2, caching, CORS, rate limits, and
//! freshness within a second.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use maskportal::domain::resident_id::valid_rrn;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{error_of, eventually, maskportal, stdout, Place, Reply, TestApp, TestDatabase};
use crate::on_both_backends;

const GEO: &str = "/corona19-masks/v1/storesByGeo/json";

/// Six stores: two in the centre of Gangnam, two 3.5–4.4 km east, one 6.2 km east, one on
/// whole-degree coordinates far away.
fn places() -> Vec<Place> {
    vec![
        Place::pharmacy("11110001", 37.5000, 127.0300, "서울특별시 강남구 논현로 1 (논현동)"),
        Place::pharmacy("11110002", 37.5090, 127.0300, "서울특별시 강남구 역삼로 2 (역삼동)"),
        Place::pharmacy("11110003", 36.0, 127.0, "대전광역시 유성구 대학로 99 (궁동)"),
        Place::pharmacy("11110004", 37.5000, 127.0700, "서울특별시 강남구 삼성로 4 (삼성동)"),
        Place::pharmacy("11110005", 37.5000, 127.0800, "서울특별시 강남구 테헤란로 5 (삼성동)"),
        Place::pharmacy("11110006", 37.5000, 127.1000, "서울특별시 송파구 올림픽로 6 (잠실동)"),
    ]
}

/// The service with the six stores published on its board.
async fn with_stores(app: &TestApp) {
    app.seed_sites(&places());
    eventually(Duration::from_secs(3), || async {
        app.get("/corona19-masks/v1/stores/json").await.body["totalCount"] == 6
    })
    .await;
}

fn codes(stores: &Value) -> Vec<&str> {
    stores.as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect()
}

async fn geo(app: &TestApp, query: &str) -> Reply {
    app.get(&format!("{GEO}?{query}")).await
}

/// A clerk of `code`, signed in, having stocked `stock` masks.
async fn stocked(app: &TestApp, code: &str, stock: i64) -> String {
    let clerk = app.seed_user(&format!("clerk{code}"), Some(code));
    let token = app.token(&clerk, "counter").await;
    let body = json!({ "quantity": stock, "client_key": uuid::Uuid::new_v4().to_string() });
    assert_eq!(app.post_as(&token, "/portal/v1/stock-in", body).await.status, 201);
    let path = format!("/v2/stores/{code}");
    eventually(Duration::from_secs(1), || async { app.get(&path).await.body["remaining"] == stock }).await;
    token
}

on_both_backends! {
    async fn v1_types_are_exactly_2020s(app: TestApp) {
        with_stores(&app).await;
        let response = app.client.get(app.url(&format!("{GEO}?lat=36&lng=127&m=10"))).send().await.unwrap();
        assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
        let text = response.text().await.unwrap();
        assert!(text.contains(r#""lat":36.0,"lng":127.0"#), "{text}");
        let store = &serde_json::from_str::<Value>(&text).unwrap()["stores"][0];
        assert_eq!(store["code"], "11110003");
        assert_eq!(store["type"], "01");
        let keys: Vec<&String> = store.as_object().unwrap().keys().collect();
        let expected = ["addr", "code", "created_at", "lat", "lng", "name", "remain_stat", "stock_at", "type"];
        assert_eq!(keys, expected);
        let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap();
        assert!(expected.windows(2).all(|pair| at(pair[0]) < at(pair[1])), "keys out of order: {text}");
    }
}

on_both_backends! {
    async fn a_never_delivered_store_has_explicit_nulls_and_a_delivered_one_has_times(app: TestApp) {
        app.travel_to(Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap());
        with_stores(&app).await;
        let store = geo(&app, "lat=37.5&lng=127.03&m=0").await.body["stores"][0].clone();
        for key in ["stock_at", "remain_stat", "created_at"] {
            assert!(store.get(key).is_some_and(Value::is_null), "{key}: {store}");
        }
        stocked(&app, "11110001", 120).await;
        let store = geo(&app, "lat=37.5&lng=127.03&m=0").await.body["stores"][0].clone();
        assert_eq!(store["remain_stat"], "plenty");
        assert!(store["stock_at"].as_str().unwrap().starts_with("2020/03/11 10:00:"), "{store}");
        assert!(store["created_at"].as_str().unwrap().starts_with("2020/03/11 10:00:"), "{store}");
        let sales = app.get("/corona19-masks/v1/sales/json").await.body;
        assert_eq!(sales["sales"][0]["remain_stat"], "plenty");
        assert_eq!(sales["sales"][1], json!({ "code": "11110002", "created_at": null, "remain_stat": null, "stock_at": null }));
    }
}

on_both_backends! {
    async fn paging_is_stable_by_code_clamped_at_5000_and_empty_past_the_end(app: TestApp) {
        let places: Vec<Place> = (0..12)
            .map(|i| Place::pharmacy(&format!("2000{:04}", 12 - i), 37.5 + f64::from(i) * 0.001, 127.03, "서울특별시 강남구 논현로 1 (논현동)"))
            .collect();
        app.seed_sites(&places);
        eventually(Duration::from_secs(3), || async { app.get("/corona19-masks/v1/stores/json").await.body["totalCount"] == 12 }).await;

        let mut walked = Vec::new();
        for page in 1..=3 {
            let body = app.get(&format!("/corona19-masks/v1/stores/json?page={page}&perPage=5")).await.body;
            let page_text = page.to_string();
            assert_eq!((body["page"].as_str(), body["totalCount"].as_u64(), body["totalPages"].as_u64()), (Some(page_text.as_str()), Some(12), Some(3)));
            assert_eq!(body["count"].as_u64(), Some(if page < 3 { 5 } else { 2 }));
            walked.extend(codes(&body["storeInfos"]).into_iter().map(str::to_owned));
        }
        let mut sorted = walked.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(walked, sorted, "every store once, in code order");
        assert_eq!(walked.len(), 12);

        let past = app.get("/corona19-masks/v1/sales/json?page=4&perPage=5").await;
        assert_eq!(past.status, 200);
        assert_eq!((past.body["count"].as_u64(), past.body["sales"].as_array().map(Vec::len)), (Some(0), Some(0)));
        for per_page in ["5000", "10000"] {
            let all = app.get(&format!("/corona19-masks/v1/stores/json?perPage={per_page}")).await.body;
            assert_eq!((all["count"].as_u64(), all["totalPages"].as_u64()), (Some(12), Some(1)));
        }
        let default = app.get("/corona19-masks/v1/sales/json").await.body;
        assert_eq!((default["page"].as_str(), default["count"].as_u64()), (Some("1"), Some(12)));
    }
}

on_both_backends! {
    async fn v1_lists_send_page_as_a_string_of_digits_and_the_counts_as_numbers(app: TestApp) {
        with_stores(&app).await;
        for list in ["stores", "sales"] {
            let path = format!("/corona19-masks/v1/{list}/json?page=2&perPage=4");
            assert_eq!(app.get(&path).await.body["page"], "2", "{path}");
            let text = app.client.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
            assert!(text.starts_with(r#"{"count":2,"page":"2","#), "{text}");
            assert!(text.ends_with(r#"],"totalCount":6,"totalPages":2}"#), "{text}");
        }
    }
}

on_both_backends! {
    async fn stores_by_geo_serves_the_radius_as_2020_apps_sent_it(app: TestApp) {
        with_stores(&app).await;
        let near = |m: &str| {
            let app = &app;
            let m = m.to_owned();
            async move { codes(&geo(app, &format!("lat=37.5&lng=127.03{m}")).await.body["stores"]).join(",") }
        };
        assert_eq!(near("").await, "11110001", "default 1000 m; the store 1001 m away is out");
        assert_eq!(near("&m=0").await, "11110001", "m=0 is the point itself");
        assert_eq!(near("&m=1100").await, "11110001,11110002", "nearest first");
        assert_eq!(near("&m=5000").await, "11110001,11110002,11110004,11110005");
        assert_eq!(near("&m=10000").await, near("&m=5000").await, "over 5000 is served as 5000");
        for bad in ["lat=32.9&lng=127", "lat=37.5&lng=132.5", "lat=abc&lng=127", "lng=127", "lat=37.5&lng=127&m=-1"] {
            assert_eq!(geo(&app, bad).await.status, 400, "{bad}");
        }
    }
}

on_both_backends! {
    async fn stores_by_addr_matches_districts_and_dongs_in_any_spacing(app: TestApp) {
        with_stores(&app).await;
        let by_addr = |query: &'static str| {
            let app = &app;
            async move { app.get(&format!("/corona19-masks/v1/storesByAddr/json?address={query}")).await }
        };
        let district = by_addr("%EC%84%9C%EC%9A%B8%ED%8A%B9%EB%B3%84%EC%8B%9C+%EA%B0%95%EB%82%A8%EA%B5%AC").await.body;
        assert_eq!(district["address"], "서울특별시 강남구");
        assert_eq!(codes(&district["stores"]), ["11110001", "11110002", "11110004", "11110005"]);
        assert_eq!(district["count"], 4);
        let dong = by_addr("%EC%84%9C%EC%9A%B8%ED%8A%B9%EB%B3%84%EC%8B%9C%20%EA%B0%95%EB%82%A8%EA%B5%AC%20%EC%82%BC%EC%84%B1%EB%8F%99").await.body;
        assert_eq!(codes(&dong["stores"]), ["11110004", "11110005"]);
        let province_only = by_addr("%EC%84%9C%EC%9A%B8%ED%8A%B9%EB%B3%84%EC%8B%9C").await;
        assert_eq!(error_of(province_only, 400)["field"], "address");
        let elsewhere = by_addr("%EB%B6%80%EC%82%B0%EA%B4%91%EC%97%AD%EC%8B%9C+%ED%95%B4%EC%9A%B4%EB%8C%80%EA%B5%AC").await;
        assert_eq!((elsewhere.status, elsewhere.body["count"].as_u64()), (200, Some(0)));
    }
}

/// `text` percent-encoded for a query string.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

on_both_backends! {
    async fn stores_by_addr_finds_lot_numbers_short_and_renamed_province_names(app: TestApp) {
        app.seed_sites(&[
            Place::pharmacy("60000001", 37.511, 127.031, "서울특별시 강남구 논현동 200-1"),
            Place::pharmacy("60000002", 35.726, 128.262, "경북 고령군 대가야읍 대가야로 608 "),
            Place::pharmacy("60000003", 37.512, 127.032, "서울특별시 강남구 논현동 12-1,"),
            Place::pharmacy("60000004", 37.881, 127.730, "강원특별자치도 춘천시 중앙로 1 (옥천동)"),
            Place::pharmacy("60000005", 37.871, 127.720, "강원도 춘천시 옥천동 50"),
        ]);
        eventually(Duration::from_secs(3), || async {
            app.get("/corona19-masks/v1/stores/json").await.body["totalCount"] == 5
        })
        .await;
        let by_addr = |query: &str| {
            let (app, path) = (&app, format!("/corona19-masks/v1/storesByAddr/json?address={}", encoded(query)));
            async move {
                let reply = app.get(&path).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                codes(&reply.body["stores"]).into_iter().map(str::to_owned).collect::<Vec<_>>()
            }
        };
        assert_eq!(by_addr("서울특별시 강남구 논현동").await, ["60000001", "60000003"]);
        assert_eq!(by_addr("경상북도 고령군 대가야읍").await, ["60000002"]);
        for province in ["강원특별자치도", "강원도"] {
            assert_eq!(by_addr(&format!("{province} 춘천시 옥천동")).await, ["60000004", "60000005"], "{province}");
        }
    }
}

on_both_backends! {
    async fn v1_tolerates_trailing_slashes_unknown_parameters_and_a_json_content_type(app: TestApp) {
        with_stores(&app).await;
        let plain = geo(&app, "lat=37.5&lng=127.03&m=5000").await.body;
        let slashed = app.get("/corona19-masks/v1/storesByGeo/json/?m=5000&lat=37.5&lng=127.03&foo=bar&serviceKeyX=1").await;
        assert_eq!(slashed.status, 200);
        assert_eq!(slashed.body, plain);
        let with_type = app
            .client
            .get(app.url(&format!("{GEO}?lat=37.5&lng=127.03&m=5000")))
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(with_type.status(), 200);
    }
}

on_both_backends! {
    async fn v2_is_strict_exact_and_iso(app: TestApp) {
        with_stores(&app).await;
        stocked(&app, "11110001", 57).await;
        let near = app.get("/v2/stores?lat=37.5&lng=127.03&m=1100").await;
        assert_eq!(near.status, 200);
        assert_eq!(near.body["count"], 2);
        let first = &near.body["stores"][0];
        assert_eq!((first["code"].as_str(), first["remaining"].as_i64(), first["remain_stat"].as_str()), (Some("11110001"), Some(57), Some("some")));
        assert_eq!((first["kind"].as_str(), first["distance_m"].as_u64()), (Some("pharmacy"), Some(0)));
        assert!(first["stock_at"].as_str().unwrap().ends_with("+09:00"));
        assert_eq!(near.body["stores"][1]["remaining"], Value::Null, "never delivered");

        assert_eq!(error_of(app.get("/v2/stores?lat=37.5&lng=127.03&m=5001").await, 400)["field"], "m");
        assert_eq!(codes(&app.get("/v2/stores?limit=2").await.body["stores"]), ["11110001", "11110002"], "code order");
        assert_eq!(error_of(app.get("/v2/stores?lat=37.5").await, 400)["field"], "lng");
        assert_eq!(error_of(app.get("/v2/changes?since=&limit=2").await, 400)["field"], "since");
        let both = app.get("/v2/stores?address=%EC%84%9C%EC%9A%B8+%EA%B0%95%EB%82%A8%EA%B5%AC&lat=99&lng=127").await;
        assert_eq!(error_of(both, 400)["field"], "lat", "an out-of-range point is refused even beside an address");
        let by_code = app.get("/v2/stores/11110001").await;
        assert_eq!(by_code.body["code"], "11110001");
        assert_eq!(error_of(app.get("/v2/stores/99999999").await, 404)["code"], "not_found");
        let by_area = app.get("/v2/stores?address=%EC%84%9C%EC%9A%B8+%EA%B0%95%EB%82%A8%EA%B5%AC+%EB%85%BC%ED%98%84%EB%8F%99").await;
        assert_eq!(codes(&by_area.body["stores"]), ["11110001"]);
    }
}

on_both_backends! {
    async fn public_replies_carry_an_etag_a_short_cache_and_cors(app: TestApp) {
        with_stores(&app).await;
        let first = geo(&app, "lat=37.5&lng=127.03").await;
        let etag = first.header("etag").unwrap().to_owned();
        assert_eq!(first.header("cache-control"), Some("public, max-age=1"));
        let again = app.client.get(app.url(&format!("{GEO}?lat=37.5&lng=127.03"))).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["etag"], etag.as_str());
        let v2 = app.client.get(app.url("/v2/stores/11110001")).header("origin", "https://maps.example").send().await.unwrap();
        assert_eq!(v2.headers()["access-control-allow-origin"], "*");
        let preflight = app
            .client
            .request(Method::OPTIONS, app.url(GEO))
            .header("origin", "https://maps.example")
            .header("access-control-request-method", "GET")
            .send()
            .await
            .unwrap();
        assert!(preflight.status().is_success(), "{}", preflight.status());
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        assert!(preflight.headers()["access-control-allow-methods"].to_str().unwrap().contains("GET"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_fetches_every_2020_page_at_once_by_default_and_a_flood_is_still_cut() {
    let app = TestApp::spawn_on(TestDatabase::sqlite(), maskportal::domain::clock::Clock::system()).await;
    with_stores(&app).await;
    // The 2020 directory (26,549 stores) is 54 pages of stores/json and 54 of sales/json at the
    // default perPage of 500; a 2020 client fetches them all at once and exits on any non-200.
    let pages = (1..=54).flat_map(|page| {
        ["stores", "sales"].map(|list| format!("/corona19-masks/v1/{list}/json?page={page}"))
    });
    let all_at_once = futures_util::future::join_all(pages.map(|path| {
        let app = &app;
        async move { app.get(&path).await.status }
    }))
    .await;
    assert_eq!(all_at_once.len(), 108);
    assert!(all_at_once.iter().all(|&status| status == 200), "{all_at_once:?}");

    // A flood that keeps coming from the same address is cut once the burst is spent.
    let mut cut = false;
    for _ in 0..20 {
        let batch = futures_util::future::join_all((0..100).map(|_| {
            let app = &app;
            async move { app.get("/corona19-masks/v1/sales/json").await.status }
        }))
        .await;
        if batch.contains(&429) {
            cut = true;
            break;
        }
    }
    assert!(cut, "2,000 more requests from one address were never refused");
}

#[tokio::test]
async fn over_the_limit_is_429_with_headers_and_a_key_with_a_higher_limit_passes() {
    let db = TestDatabase::sqlite();
    let key = stdout(&maskportal(
        &db,
        &["admin", "apikey", "issue", "--name", "map app", "--per-second", "50", "--burst", "50"],
        None,
    ));
    let key = key.trim().to_owned();
    let settings = [("MASKPORTAL_PUBLIC_RPS", "1"), ("MASKPORTAL_PUBLIC_BURST", "2")];
    let app = TestApp::spawn_with(db, maskportal::domain::clock::Clock::system(), &settings).await;
    let url = "/corona19-masks/v1/stores/json";
    let first = app.get(url).await;
    assert_eq!(
        (first.header("ratelimit-limit"), first.header("ratelimit-remaining")),
        (Some("2"), Some("1"))
    );
    app.get(url).await;
    let refused = app.get(url).await;
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
    assert!(refused.header("ratelimit-reset").is_some());
    assert_eq!(error_of(refused, 429)["code"], "rate_limited");

    // A spoofed X-Forwarded-For is ignored without trusted proxies.
    let spoofed =
        app.client.get(app.url(url)).header("x-forwarded-for", "198.51.100.7").send().await.unwrap();
    assert_eq!(spoofed.status(), 429);

    for _ in 0..5 {
        let keyed = app.client.get(app.url(url)).header("x-api-key", &key).send().await.unwrap();
        assert_eq!(keyed.status(), 200);
        assert_eq!(keyed.headers()["ratelimit-limit"], "50");
    }
    let by_query = app.get(&format!("{url}?serviceKey={key}")).await;
    assert_eq!(by_query.status, 200);
    assert_eq!(
        error_of(app.get(&format!("{url}?serviceKey=mpk_nope")).await, 401)["code"],
        "invalid_api_key"
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let settings = [
        ("MASKPORTAL_PUBLIC_RPS", "1"),
        ("MASKPORTAL_PUBLIC_BURST", "1"),
        ("MASKPORTAL_TRUSTED_PROXIES", "127.0.0.1"),
    ];
    let app =
        TestApp::spawn_with(TestDatabase::sqlite(), maskportal::domain::clock::Clock::system(), &settings)
            .await;
    let from = |client_ip: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/v2/changes"))
                .header("x-forwarded-for", client_ip)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(from("198.51.100.1").await, 200);
    assert_eq!(from("198.51.100.1").await, 429);
    assert_eq!(from("198.51.100.2").await, 200, "another client behind the same proxy");
}

on_both_backends! {
    async fn a_2020_app_walking_the_api_with_default_limits_gets_200_every_time(app: TestApp) {
        let places: Vec<Place> = (0..1200u32)
            .map(|i| Place::pharmacy(&format!("3{i:07}"), 37.45 + f64::from(i % 100) * 0.001, 127.0 + f64::from(i / 100) * 0.001, "서울특별시 강남구 논현로 1 (논현동)"))
            .collect();
        app.seed_sites(&places);
        eventually(Duration::from_secs(5), || async { app.get("/corona19-masks/v1/stores/json?perPage=1").await.body["totalCount"] == 1200 }).await;
        let mut requests = 0;
        for list in ["stores", "sales"] {
            let mut page = 1;
            loop {
                let reply = app.get(&format!("/corona19-masks/v1/{list}/json?page={page}&perPage=500")).await;
                requests += 1;
                assert_eq!(reply.status, 200, "{list} page {page}");
                if reply.body["count"].as_u64().unwrap() < 500 {
                    break;
                }
                page += 1;
            }
        }
        for _ in 0..10 {
            assert_eq!(geo(&app, "lat=37.5&lng=127.0&m=1000").await.status, 200);
            assert_eq!(app.get("/corona19-masks/v1/storesByAddr/json?address=%EC%84%9C%EC%9A%B8%ED%8A%B9%EB%B3%84%EC%8B%9C+%EA%B0%95%EB%82%A8%EA%B5%AC").await.status, 200);
            requests += 2;
        }
        assert_eq!(requests, 26, "3 pages of stores, 3 of sales, 20 searches");
    }
}

/// Reads SSE events from a response until `count` have arrived.
async fn read_events(mut response: reqwest::Response, count: usize) -> Vec<(i64, Value)> {
    let mut events = Vec::new();
    let mut buffer = String::new();
    while events.len() < count {
        let chunk =
            tokio::time::timeout(Duration::from_secs(5), response.chunk()).await.expect("an event in time");
        buffer.push_str(&String::from_utf8_lossy(&chunk.unwrap().expect("the stream stays open")));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let id = block.lines().find_map(|l| l.strip_prefix("id: ")).map(|v| v.parse().unwrap());
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .map(|v| serde_json::from_str(v).unwrap());
            if let (Some(id), Some(data)) = (id, data) {
                events.push((id, data));
            }
        }
    }
    events
}

on_both_backends! {
    async fn a_sale_is_public_on_geo_and_the_stream_well_within_a_second(app: TestApp) {
        app.travel_to(Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap());
        with_stores(&app).await;
        let token = stocked(&app, "11110001", 100).await;
        eventually(Duration::from_secs(1), || async { geo(&app, "lat=37.5&lng=127.03&m=0").await.body["stores"][0]["remain_stat"] == "plenty" }).await;
        let stream = app.client.get(app.url("/v2/stream")).send().await.unwrap();
        assert_eq!(stream.headers()["content-type"], "text/event-stream");
        let listener = tokio::spawn(read_events(stream, 1));
        tokio::time::sleep(Duration::from_millis(100)).await;

        let sale = json!({ "resident_id": valid_rrn(chrono::NaiveDate::from_ymd_opt(1983, 5, 15).unwrap(), 1, 1), "quantity": 1, "client_key": uuid::Uuid::new_v4().to_string() });
        let sold_at = std::time::Instant::now();
        assert_eq!(app.post_as(&token, "/portal/v1/sales", sale).await.status, 201);
        let visible = eventually(Duration::from_secs(1), || async { geo(&app, "lat=37.5&lng=127.03&m=0").await.body["stores"][0]["remain_stat"] == "some" }).await;
        let events = listener.await.unwrap();
        let streamed = sold_at.elapsed();
        eprintln!("sale visible on storesByGeo after {visible:?}, on /v2/stream within {streamed:?}");
        assert_eq!(events[0].1["code"], "11110001");
        assert_eq!(events[0].1["remaining"], 99);
    }
}

on_both_backends! {
    async fn a_site_added_by_the_cli_appears_within_a_second(app: TestApp) {
        with_stores(&app).await;
        stdout(&maskportal(&app.db, &[
            "admin", "site", "add", "--code", "55550001", "--name", "새약국", "--type", "pharmacy",
            "--addr", "서울특별시 강남구 논현로 7 (논현동)", "--lat", "37.5001", "--lng", "127.0301",
        ], None));
        let took = eventually(Duration::from_secs(1), || async {
            codes(&geo(&app, "lat=37.5&lng=127.03&m=100").await.body["stores"]).contains(&"55550001")
        })
        .await;
        eprintln!("CLI-added site public after {took:?}");
    }
}

on_both_backends! {
    async fn a_stream_resumed_with_last_event_id_gets_exactly_what_it_missed(app: TestApp) {
        app.travel_to(Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap());
        with_stores(&app).await;
        let first = stocked(&app, "11110001", 10).await;
        let cursor = app.get("/v2/changes").await.body["cursor"].as_i64().unwrap();
        let second = stocked(&app, "11110002", 20).await;
        let delivery = json!({ "quantity": 5, "client_key": uuid::Uuid::new_v4().to_string() });
        app.post_as(&first, "/portal/v1/stock-in", delivery).await;
        let _ = second;
        eventually(Duration::from_secs(2), || async { app.get("/v2/changes").await.body["cursor"].as_i64().unwrap() > cursor + 1 }).await;

        let resumed = app.client.get(app.url("/v2/stream")).header("last-event-id", cursor.to_string()).send().await.unwrap();
        let events = read_events(resumed, 2).await;
        let got: Vec<(&str, i64)> = events.iter().map(|(_, s)| (s["code"].as_str().unwrap(), s["remaining"].as_i64().unwrap())).collect();
        assert_eq!(got, [("11110002", 20), ("11110001", 15)], "each missed store once, in order of its last change");
        assert!(events[0].0 < events[1].0 && events[0].0 > cursor);

        let changes = app.get(&format!("/v2/changes?since={cursor}")).await.body;
        assert_eq!(codes(&changes["changes"]), ["11110002", "11110001"]);
        assert_eq!(changes["cursor"].as_i64(), Some(events[1].0));
    }
}

#[tokio::test]
async fn a_dedicated_public_listener_serves_the_open_api_and_nothing_of_the_portal() {
    let settings = [("MASKPORTAL_PUBLIC_BIND", "127.0.0.1:0")];
    let app =
        TestApp::spawn_with(TestDatabase::sqlite(), maskportal::domain::clock::Clock::system(), &settings)
            .await;
    let public = app.public_address.clone().expect("a public listener");
    let get = |path: &str| app.client.get(format!("{public}{path}")).send();
    assert_eq!(get("/corona19-masks/v1/stores/json").await.unwrap().status(), 200);
    assert_eq!(get("/v2/changes").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    assert_eq!(get("/portal/v1/stock").await.unwrap().status(), 404);
    assert_eq!(app.get("/corona19-masks/v1/stores/json").await.status, 200, "the main port still serves it");
}

#[tokio::test]
async fn v1_errors_declare_their_charset_like_v1_answers() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let answer = app.get("/corona19-masks/v1/stores/json").await;
    let error = app.get("/corona19-masks/v1/storesByGeo/json?lat=north").await;
    assert_eq!(error.status, 400);
    for reply in [&answer, &error] {
        assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
    }
}

//! Importing the store directory from CSV: all rows checked before any is applied, an upsert by
//! code, the encodings Korean spreadsheets save, and the CLI on the same code path.

use serde_json::{json, Value};

use crate::helpers::{error_of, maskportal, stdout, Reply, TestApp};
use crate::on_both_backends;

const HEADER: &str = "code,name,addr,type,lat,lng\n";

/// A directory of `rows` sites in the 2020 columns, every kind, quoted names with commas.
fn directory(rows: usize) -> String {
    let mut text = String::from(HEADER);
    for i in 0..rows {
        let kind = ["01", "02", "03"][i % 3];
        let sido =
            ["서울특별시 강남구 논현로", "부산광역시 중구 중앙대로", "경기도 수원시 팔달구 효원로"][i % 3];
        let lat = 35.0 + (i % 1000) as f64 / 1000.0;
        text.push_str(&format!(
            "{},\"가게 {i}, 본점\",{sido} {i},{kind},{lat:.6},127.{i:05}\n",
            10_000_000 + i
        ));
    }
    text
}

/// Replaces one data row (0-based) of a directory.
fn with_row(text: &str, index: usize, row: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[index + 1] = row;
    lines.join("\n") + "\n"
}

async fn operator(app: &TestApp) -> String {
    app.token(&app.seed_user("ops", None), "console").await
}

async fn import(app: &TestApp, token: &str, body: Vec<u8>) -> Reply {
    let request = app
        .client
        .post(app.url("/admin/v1/sites/import"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body);
    let reply = Reply::read(request.send().await.unwrap()).await;
    crate::contract::assert_reply_documented("POST", "/admin/v1/sites/import", &reply);
    reply
}

async fn site_count(app: &TestApp, token: &str) -> i64 {
    app.get_as(token, "/admin/v1/sites?limit=1").await.body["total"].as_i64().unwrap()
}

on_both_backends! {
    async fn thirty_thousand_rows_are_all_checked_then_applied_once(app: TestApp) {
        let token = operator(&app).await;
        let clean = directory(30_000);
        let mut broken = with_row(&clean, 100, "12a4,약국,서울특별시 강남구 논현로 1,01,37.5,127.0");
        broken = with_row(&broken, 15_000, "20015000,약국,서울특별시 강남구 논현로 1,09,37.5,127.0");
        broken = with_row(&broken, 29_999, "20029999,약국,서울특별시 강남구 논현로 1,01,north,127.0");
        let refused = import(&app, &token, broken.into_bytes()).await;
        let error = error_of(refused, 422);
        assert_eq!(error["code"], "invalid_rows");
        let rows: Vec<(i64, &str)> = error["rows"].as_array().unwrap().iter()
            .map(|r| (r["line"].as_i64().unwrap(), r["field"].as_str().unwrap()))
            .collect();
        assert_eq!(rows, [(102, "code"), (15_002, "type"), (30_001, "lat")], "{error}");
        assert_eq!(site_count(&app, &token).await, 0, "nothing applied");

        let applied = import(&app, &token, clean.clone().into_bytes()).await;
        assert_eq!(applied.status, 200, "{}", applied.body);
        assert_eq!(applied.body, json!({ "added": 30_000, "updated": 0, "unchanged": 0 }));
        assert_eq!(site_count(&app, &token).await, 30_000);
        let again = import(&app, &token, clean.clone().into_bytes()).await;
        assert_eq!(again.body, json!({ "added": 0, "updated": 0, "unchanged": 30_000 }));

        let renamed = with_row(&clean, 7, "10000007,새이름약국,서울특별시 강남구 논현로 7,01,35.007,127.00007");
        let changed = import(&app, &token, renamed.into_bytes()).await;
        assert_eq!(changed.body, json!({ "added": 0, "updated": 1, "unchanged": 29_999 }));
        let opened = app.get_as(&token, "/admin/v1/sites/10000007").await.body;
        assert_eq!(opened["site"]["name"], "새이름약국");
        assert_eq!(opened["site"]["type"], "pharmacy");
        let entry = &app.get_as(&token, "/admin/v1/audit?action=sites_imported").await.body["entries"][0];
        assert_eq!(entry["detail"]["updated"], 1, "{entry}");
        assert_eq!(entry["username"], "ops");

        // The public board picks the imported sites up.
        crate::helpers::eventually(std::time::Duration::from_secs(20), || async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let store = app.get("/v2/stores/10000007").await;
            store.status == 200 && store.body["name"] == "새이름약국"
        })
        .await;
    }
}

on_both_backends! {
    async fn cp949_and_byte_order_marked_files_are_read(app: TestApp) {
        let token = operator(&app).await;
        let text = format!("{HEADER}11817488,온누리약국,서울특별시 마포구 월드컵로 1 (망원동),01,37.55,126.91\n");
        let (cp949, _, lossy) = encoding_rs::EUC_KR.encode(&text);
        assert!(!lossy);
        assert!(std::str::from_utf8(&cp949).is_err(), "really not UTF-8");
        let applied = import(&app, &token, cp949.into_owned()).await;
        assert_eq!(applied.body, json!({ "added": 1, "updated": 0, "unchanged": 0 }), "{}", applied.body);
        let site = app.get_as(&token, "/admin/v1/sites/11817488").await.body;
        assert_eq!(site["site"]["name"], "온누리약국");
        assert_eq!(site["site"]["sido"], "서울특별시");

        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let again = import(&app, &token, bom).await;
        assert_eq!(again.body, json!({ "added": 0, "updated": 0, "unchanged": 1 }), "{}", again.body);

        let garbage = import(&app, &token, vec![0xff, 0xfe, 0x00, 0x81]).await;
        assert_eq!(error_of(garbage, 422)["rows"][0]["field"], "file");
        let no_header = import(&app, &token, b"11817488,a,b,01,37,127\n".to_vec()).await;
        assert_eq!(error_of(no_header, 422)["rows"].as_array().unwrap().len(), 6);
        let json_body = app.post_as(&token, "/admin/v1/sites/import", json!({})).await;
        assert_eq!(error_of(json_body, 415)["code"], "unsupported_media_type");
    }
}

on_both_backends! {
    async fn a_file_over_eight_mebibytes_is_refused(app: TestApp) {
        let token = operator(&app).await;
        let huge = vec![b'a'; 8 * 1024 * 1024 + 1];
        assert_eq!(error_of(import(&app, &token, huge).await, 413)["code"], "body_too_large");
        assert_eq!(site_count(&app, &token).await, 0);
    }
}

on_both_backends! {
    async fn the_cli_imports_by_the_same_rules(app: TestApp) {
        let path = app.db.dir.path().join("directory.csv");
        std::fs::write(&path, with_row(&directory(50), 3, "1,약국,어딘가,01,37.5,127.0")).unwrap();
        let file = path.to_str().unwrap();
        let refused = maskportal(&app.db, &["admin", "site", "import", file], None);
        assert!(!refused.status.success());
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("line 5: addr:"), "{stderr}");

        std::fs::write(&path, directory(50)).unwrap();
        assert_eq!(stdout(&maskportal(&app.db, &["admin", "site", "import", file], None)).trim(), "added 50, updated 0, unchanged 0");
        let token = operator(&app).await;
        let answer = import(&app, &token, std::fs::read(&path).unwrap()).await;
        assert_eq!(answer.body, json!({ "added": 0, "updated": 0, "unchanged": 50 }));
        let listed: Value = app.get_as(&token, "/admin/v1/audit?action=sites_imported").await.body;
        assert_eq!(listed["entries"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_cli_imports_beside_a_running_server_on_sqlite_queue_and_all_succeed() {
    let app = TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let files: Vec<std::path::PathBuf> = (0..8)
        .map(|writer| {
            let path = app.db.dir.path().join(format!("part-{writer}.csv"));
            let part: String = directory(8 * 300)
                .lines()
                .skip(1)
                .skip(writer * 300)
                .take(300)
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(&path, format!("{HEADER}{part}")).unwrap();
            path
        })
        .collect();
    let db = &app.db;
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            for file in &files {
                scope.spawn(move || {
                    let out =
                        stdout(&maskportal(db, &["admin", "site", "import", file.to_str().unwrap()], None));
                    assert_eq!(out.trim(), "added 300, updated 0, unchanged 0");
                });
            }
        })
    });
    let token = operator(&app).await;
    assert_eq!(site_count(&app, &token).await, 2400);
}

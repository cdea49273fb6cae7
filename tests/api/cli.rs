//! The operator CLI against a real database.

use std::os::unix::fs::PermissionsExt;

use crate::helpers::{eventually, maskportal, stdout, TestApp, TestDatabase};
use crate::on_both_backends;

const SITE: [&str; 15] = [
    "admin",
    "site",
    "add",
    "--code",
    "11817488",
    "--name",
    "온누리약국",
    "--type",
    "pharmacy",
    "--addr",
    "서울특별시 마포구 월드컵로 1 (망원동)",
    "--lat",
    "37.55",
    "--lng",
    "126.91",
];

on_both_backends! {
    async fn a_site_added_by_the_cli_is_listed_and_its_code_cannot_repeat(db: TestDatabase) {
        assert!(stdout(&maskportal(&db, &SITE, None)).contains("registered site 11817488"));
        let listed = stdout(&maskportal(&db, &["admin", "site", "list"], None));
        assert!(listed.contains("11817488") && listed.contains("온누리약국"), "{listed}");

        let again = maskportal(&db, &SITE, None);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    }
}

#[test]
fn site_list_columns_line_up_after_korean_names() {
    let db = TestDatabase::sqlite();
    stdout(&maskportal(&db, &SITE, None));
    for (code, name) in [("11817489", "Seoul Pharmacy"), ("11817490", "서울강남우체국")] {
        let mut args = SITE.to_vec();
        args[4] = code;
        args[6] = name;
        stdout(&maskportal(&db, &args, None));
    }
    let listed = stdout(&maskportal(&db, &["admin", "site", "list"], None));
    // Terminals draw a Hangul syllable two columns wide: the ADDRESS column starts at the same
    // column on every line only if names are padded by display width, not by characters.
    let address_column = |line: &str| {
        let at = line.find("ADDRESS").or_else(|| line.find("서울특별시")).unwrap_or_else(|| panic!("{line}"));
        unicode_width::UnicodeWidthStr::width(&line[..at])
    };
    let columns: Vec<usize> = listed.lines().map(address_column).collect();
    assert_eq!(columns.len(), 4, "{listed}");
    assert!(columns.windows(2).all(|pair| pair[0] == pair[1]), "{columns:?}\n{listed}");
}

#[test]
fn site_fields_are_parsed_at_the_edge() {
    let db = TestDatabase::sqlite();
    for (flag, bad) in [("--type", "bank"), ("--code", "12ab"), ("--lat", "52.5"), ("--name", " ")] {
        let mut args = SITE.to_vec();
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = bad;
        let output = maskportal(&db, &args, None);
        assert!(!output.status.success(), "{flag} {bad} was accepted");
    }
    let listed = stdout(&maskportal(&db, &["admin", "site", "list"], None));
    assert_eq!(listed.lines().count(), 1, "only the header: {listed}");
}

on_both_backends! {
    async fn users_are_created_from_stdin_listed_and_disabled(db: TestDatabase) {
        stdout(&maskportal(&db, &SITE, None));
        let add = ["admin", "user", "add", "--username", "Kim.Clerk", "--site", "11817488", "--role", "clerk", "--password-stdin"];
        assert!(stdout(&maskportal(&db, &add, Some("a long enough password\n"))).contains("kim.clerk"));

        let short = maskportal(&db, &["admin", "user", "add", "--username", "lee", "--site", "11817488", "--role", "clerk", "--password-stdin"], Some("short\n"));
        assert!(!short.status.success());
        let clerk_without_site = maskportal(&db, &["admin", "user", "add", "--username", "park", "--role", "clerk", "--password-stdin"], Some("a long enough password\n"));
        assert!(String::from_utf8_lossy(&clerk_without_site.stderr).contains("--site"));
        let unknown_site = maskportal(&db, &["admin", "user", "add", "--username", "choi", "--site", "99999999", "--role", "clerk", "--password-stdin"], Some("a long enough password\n"));
        assert!(String::from_utf8_lossy(&unknown_site.stderr).contains("site not found"));

        stdout(&maskportal(&db, &["admin", "user", "disable", "--username", "kim.clerk"], None));
        let add_admin = ["admin", "user", "add", "--username", "ops", "--role", "admin", "--password-stdin"];
        stdout(&maskportal(&db, &add_admin, Some("a long enough password\n")));
        let listed = stdout(&maskportal(&db, &["admin", "user", "list"], None));
        assert!(listed.contains("kim.clerk") && listed.contains("disabled"), "{listed}");
        let clerk_line = listed.lines().find(|line| line.starts_with("kim.clerk")).unwrap();
        assert!(clerk_line.split_whitespace().any(|column| column == "11817488"), "the site code: {listed}");
        let admin_line = listed.lines().find(|line| line.starts_with("ops")).unwrap();
        assert!(admin_line.split_whitespace().any(|column| column == "-"), "an admin has no site: {listed}");
        assert!(!listed.contains("lee") && !listed.contains("park"), "{listed}");
    }
}

on_both_backends! {
    async fn an_api_key_is_printed_once_alone_and_stored_only_as_a_hash(db: TestDatabase) {
        let out = stdout(&maskportal(&db, &["admin", "apikey", "issue", "--name", "map app", "--per-second", "50"], None));
        let key = out.trim();
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(key.starts_with("mpk_") && key.len() == 68, "{key}");

        let listed = stdout(&maskportal(&db, &["admin", "apikey", "list"], None));
        assert!(listed.contains("map app") && listed.contains("250") && !listed.contains(key), "{listed}");

        #[derive(diesel::QueryableByName)]
        struct Hash {
            #[diesel(sql_type = diesel::sql_types::Text)]
            key_hash: String,
        }
        use diesel::RunQueryDsl;
        let stored: Hash = diesel::sql_query("SELECT key_hash FROM api_keys").get_result(&mut db.connect()).unwrap();
        assert_eq!(stored.key_hash, maskportal::services::api_keys::hash_key(key));

        stdout(&maskportal(&db, &["admin", "apikey", "revoke", "--id", "1"], None));
        assert!(stdout(&maskportal(&db, &["admin", "apikey", "list"], None)).contains("revoked"));
        assert!(!maskportal(&db, &["admin", "apikey", "revoke", "--id", "1"], None).status.success());
    }
}

#[test]
fn demo_seeds_a_directory_and_keeps_its_secrets_in_0600_files_outside_the_database() {
    let db = TestDatabase::sqlite();
    let out = stdout(&maskportal(&db, &["demo", "--no-serve"], None));
    assert!(out.contains("seeded 300 sites"), "{out}");
    for clerk in ["demo-pharmacy", "demo-post-office", "demo-nonghyup"] {
        assert!(out.contains(clerk), "{out}");
    }
    let operator_password = |out: &str| -> String {
        let line =
            out.lines().find(|line| line.trim_start().starts_with("demo-operator")).expect("the operator");
        line.split_whitespace().nth(1).expect("its password").to_owned()
    };
    let first_password = operator_password(&out);
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel::RunQueryDsl;
    let deliveries: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM stock_ledger WHERE entry = 'stock_in'")
            .get_result(&mut db.connect())
            .unwrap();
    assert!(deliveries.n > 200, "most demo sites get a first delivery: {}", deliveries.n);

    let mut database_bytes = std::fs::read(&db.url).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", db.url)) {
        database_bytes.extend(wal);
    }
    for name in ["maskportal-jwt.key", "maskportal-id.key"] {
        let path = db.secrets_dir().join(name);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
        let secret = std::fs::read(&path).unwrap();
        assert!(secret.len() >= 32);
        assert!(
            !database_bytes.windows(secret.len()).any(|w| w == secret.as_slice()),
            "{name} is in the database"
        );
    }

    // A second start keeps the directory and the keys, and gives the clerks new passwords.
    let key_before = std::fs::read(db.secrets_dir().join("maskportal-id.key")).unwrap();
    let again = stdout(&maskportal(&db, &["demo", "--no-serve"], None));
    assert!(!again.contains("seeded"), "{again}");
    assert_ne!(operator_password(&again), first_password, "the operator gets a new password too");
    assert_eq!(std::fs::read(db.secrets_dir().join("maskportal-id.key")).unwrap(), key_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_cli_writers_beside_a_running_server_on_sqlite_queue_and_all_succeed() {
    let app = crate::helpers::TestApp::spawn(maskportal::db::Backend::Sqlite).await;
    let db = &app.db;
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            for writer in 0..16 {
                scope.spawn(move || {
                    for round in 0..6 {
                        crate::helpers::add_site_by_cli(db, &format!("9{writer:02}{round}0001"));
                    }
                });
            }
        })
    });
    let listed = stdout(&maskportal(db, &["admin", "site", "list"], None));
    assert_eq!(listed.lines().filter(|line| line.contains("테스트약국")).count(), 96, "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_open_api_examples_return_stores_on_the_demo_data() {
    let db = TestDatabase::sqlite();
    stdout(&maskportal(&db, &["demo", "--no-serve"], None));
    let app = TestApp::spawn_on(db, maskportal::domain::clock::Clock::system()).await;
    eventually(std::time::Duration::from_secs(5), || async {
        app.get("/corona19-masks/v1/stores/json").await.body["totalCount"] == 300
    })
    .await;
    // The README's three examples, word for word (the address percent-encoded as curl sends it).
    let gangnam = "%EC%84%9C%EC%9A%B8%ED%8A%B9%EB%B3%84%EC%8B%9C%20%EA%B0%95%EB%82%A8%EA%B5%AC";
    let examples = [
        (format!("/corona19-masks/v1/storesByAddr/json?address={gangnam}"), "stores"),
        ("/corona19-masks/v1/storesByGeo/json?lat=37.5172&lng=127.0473&m=3000".to_owned(), "stores"),
        ("/corona19-masks/v1/stores/json?page=1&perPage=2".to_owned(), "storeInfos"),
    ];
    for (path, list) in examples {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert!(!reply.body[list].as_array().unwrap().is_empty(), "{path}: {}", reply.body);
    }
    let readme = include_str!("../../README.md");
    assert!(readme.contains("storesByGeo/json?lat=37.5172&lng=127.0473&m=3000"));
    assert!(readme.contains("--data-urlencode 'address=서울특별시 강남구'"));
}

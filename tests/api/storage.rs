//! The storage guarantees the rest of the service relies on, on both backends.

use diesel::RunQueryDsl;
use maskportal::db::connection::write_transaction;
use maskportal::db::{migrations, DbConnection};
use maskportal::domain::clock::Clock;

use crate::helpers::{add_site_by_cli, TestApp, TestDatabase};
use crate::on_both_backends;

fn execute(conn: &mut DbConnection, sql: &str) -> diesel::QueryResult<usize> {
    diesel::sql_query(sql).execute(conn)
}

on_both_backends! {
    async fn migrations_apply_once_and_then_are_up_to_date(db: TestDatabase) {
        let mut conn = db.connect();
        assert!(migrations::apply(&mut conn).unwrap() >= 1);
        assert_eq!(migrations::apply(&mut conn).unwrap(), 0);
        assert!(!migrations::pending(&mut conn).unwrap());
    }
}

on_both_backends! {
    async fn the_database_itself_refuses_negative_stock(db: TestDatabase) {
        add_site_by_cli(&db, "11817488");
        let mut conn = db.connect();
        assert_eq!(execute(&mut conn, "UPDATE site_stock SET on_hand = 5").unwrap(), 1);
        let refused = execute(&mut conn, "UPDATE site_stock SET on_hand = on_hand - 6");
        assert!(refused.is_err(), "a negative on_hand was stored");
    }
}

on_both_backends! {
    async fn ledgers_are_append_only(db: TestDatabase) {
        add_site_by_cli(&db, "11817488");
        let mut conn = db.connect();
        execute(
            &mut conn,
            "INSERT INTO stock_ledger (site_id, entry, delta, on_hand_after, occurred_at, recorded_at) \
             VALUES (1, 'stock_in', 10, 10, '2020-03-09 00:00:00', '2020-03-09 00:00:00')",
        )
        .unwrap();
        assert!(execute(&mut conn, "UPDATE stock_ledger SET delta = 99").is_err());
        assert!(execute(&mut conn, "DELETE FROM stock_ledger").is_err());
        assert!(execute(&mut conn, "DELETE FROM audit_log").is_err());
    }
}

#[derive(diesel::QueryableByName)]
struct OnHand {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    on_hand: i64,
}

fn on_hand(conn: &mut DbConnection) -> diesel::QueryResult<i64> {
    diesel::sql_query("SELECT on_hand FROM site_stock").get_result::<OnHand>(conn).map(|row| row.on_hand)
}

on_both_backends! {
    async fn concurrent_read_then_write_transactions_all_commit(db: TestDatabase) {
        // Two deferred SQLite transactions that read and then write fail with
        // `database is locked`; write transactions must take the lock up front.
        add_site_by_cli(&db, "11817488");
        let writers: Vec<_> = (0..16)
            .map(|_| {
                let mut conn = db.connect();
                std::thread::spawn(move || {
                    write_transaction(&mut conn, |conn| {
                        on_hand(conn)?;
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        execute(conn, "UPDATE site_stock SET on_hand = on_hand + 1")
                    })
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap().expect("every writer commits");
        }
        assert_eq!(on_hand(&mut db.connect()).unwrap(), 16);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_sqlite_database_and_its_wal_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let app = TestApp::spawn_on(TestDatabase::sqlite(), Clock::system()).await;
    // A write, so the write-ahead log beside the database has something in it.
    app.seed_site("11817488", 1);
    assert_eq!(app.get("/readyz").await.status, 200);
    let mode = |suffix: &str| {
        let path = format!("{}{suffix}", app.db.url);
        std::fs::metadata(&path).ok().map(|meta| (path, meta.permissions().mode() & 0o777))
    };
    let (path, database) = mode("").expect("the database file exists");
    assert_eq!(database, 0o600, "{path} is {database:o}");
    for suffix in ["-wal", "-shm"] {
        if let Some((path, found)) = mode(suffix) {
            assert_eq!(found, 0o600, "{path} is {found:o}");
        }
    }
    assert!(mode("-wal").is_some(), "WAL mode keeps a -wal file while the service runs");
}

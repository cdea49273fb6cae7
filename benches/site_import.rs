//! Importing a store directory: rows per second for a 30,000-row CSV applied to an empty
//! directory (decode, parse, check every row, one transaction of multi-row inserts), for the
//! same file again (every row compared, nothing written), and beside them, in alternating
//! rounds of the same run, the same sites registered one statement at a time by
//! `sites::register_all` (the seeding path). SQLite in a temp dir; PostgreSQL too when
//! `MASKPORTAL_BENCH_POSTGRES` names a server (a scratch database is made and dropped).
//!
//! `cargo bench --bench site_import` prints the figures; it asserts nothing.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use maskportal::db::connection::{build_pool, ConnectionManager};
use maskportal::db::{migrations, DatabaseUrl};
use maskportal::domain::clock::Clock;
use maskportal::services::scratch::ScratchDatabase;
use maskportal::services::{site_import, sites, Operator};

const ROWS: usize = 30_000;
const ROUNDS: usize = 3;

fn directory() -> Vec<u8> {
    let mut text = String::from("code,name,addr,type,lat,lng\n");
    for i in 0..ROWS {
        let kind = ["01", "02", "03"][i % 3];
        let sido =
            ["서울특별시 강남구 논현로", "부산광역시 중구 중앙대로", "경기도 수원시 팔달구 효원로"][i % 3];
        let lat = 35.0 + f64::from(u32::try_from(i % 1000).unwrap()) / 1000.0;
        text.push_str(&format!(
            "{},\"가게 {i}, 본점\",{sido} {i},{kind},{lat:.6},127.{i:05}\n",
            10_000_000 + i
        ));
    }
    text.into_bytes()
}

/// A fresh, migrated database for one round.
struct Fresh {
    conn: r2d2::PooledConnection<ConnectionManager>,
    _dir: Option<tempfile::TempDir>,
    scratch: Option<ScratchDatabase>,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        if let Some(scratch) = &self.scratch {
            let _ = scratch.remove();
        }
    }
}

fn fresh(postgres: Option<&str>) -> Fresh {
    let (url, dir, scratch) = match postgres {
        Some(admin) => {
            let scratch = ScratchDatabase::create(admin, "bench_import").unwrap();
            (scratch.url().to_owned(), None, Some(scratch))
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            (dir.path().join("bench.db").to_string_lossy().into_owned(), Some(dir), None)
        }
    };
    let pool = build_pool(&url.parse::<DatabaseUrl>().unwrap(), 1).unwrap();
    let mut conn = pool.get().unwrap();
    migrations::apply(&mut conn).unwrap();
    Fresh { conn, _dir: dir, scratch }
}

fn rows_per_second(seconds: f64) -> f64 {
    f64::from(u32::try_from(ROWS).unwrap()) / seconds
}

fn run(backend: &str, postgres: Option<&str>, file: &[u8]) {
    let clock = Clock::system();
    let parsed = site_import::parse(file).unwrap();
    let (mut first, mut again, mut bare) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let mut db = fresh(postgres);
        let start = Instant::now();
        let (done, _) = site_import::import(&mut db.conn, &clock, &Operator::Cli, file).unwrap();
        first.push(rows_per_second(start.elapsed().as_secs_f64()));
        assert_eq!(done.added, ROWS);
        let start = Instant::now();
        let (done, _) = site_import::import(&mut db.conn, &clock, &Operator::Cli, file).unwrap();
        again.push(rows_per_second(start.elapsed().as_secs_f64()));
        assert_eq!(done.unchanged, ROWS);
        drop(db);

        let mut db = fresh(postgres);
        let start = Instant::now();
        sites::register_all(&mut db.conn, &clock, &parsed).unwrap();
        bare.push(rows_per_second(start.elapsed().as_secs_f64()));
    }
    let show = |xs: &[f64]| xs.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(" · ");
    let median = |xs: &mut Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    };
    println!("{backend}: {ROWS} rows, {ROUNDS} alternating rounds (rows/s)");
    println!(
        "  import into an empty directory   {}   median {:.0}",
        show(&first),
        median(&mut first.clone())
    );
    println!(
        "  the same file again (unchanged)  {}   median {:.0}",
        show(&again),
        median(&mut again.clone())
    );
    println!("  register_all, one row at a time  {}   median {:.0}", show(&bare), median(&mut bare.clone()));
    println!("  → import ÷ register_all          {:.2}×", median(&mut first) / median(&mut bare));
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let file = directory();
    println!("{} bytes of CSV", file.len());
    run("SQLite", None, &file);
    if let Ok(admin) = std::env::var("MASKPORTAL_BENCH_POSTGRES") {
        run("PostgreSQL", Some(&admin), &file);
    }
}

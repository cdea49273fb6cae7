//! Dependencies point one way: the domain rules know nothing of the web, the database or I/O,
//! and the generated seed data reaches storage only through the services.

#[test]
fn the_domain_imports_neither_actix_nor_diesel_nor_io() {
    let outside = [
        "actix",
        "diesel",
        "tokio",
        "reqwest",
        "std::fs",
        "std::net",
        "crate::db",
        "crate::http",
        "crate::services",
    ];
    assert!(imports_none_of("src/domain", &outside) >= 10, "the domain modules were not found");
}

#[test]
fn the_seed_data_imports_neither_actix_nor_diesel_nor_the_database() {
    assert!(
        imports_none_of("src/seed", &["actix", "diesel", "crate::db"]) >= 2,
        "the seed modules were not found"
    );
}

/// Checks that no `use` line of the files in `dir` names any of `outside`; returns how many
/// files it checked.
fn imports_none_of(dir: &str, outside: &[&str]) -> usize {
    let mut checked = 0;
    for entry in std::fs::read_dir(format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        for line in source.lines().filter(|l| l.trim_start().starts_with("use ")) {
            for outside in outside {
                assert!(
                    !line.contains(outside),
                    "{}: `{}` reaches outside {dir}",
                    path.display(),
                    line.trim()
                );
            }
        }
        checked += 1;
    }
    checked
}

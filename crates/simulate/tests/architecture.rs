//! The load generator reaches the database only through the service's library: it names
//! `maskportal::db` types (the backend, a URL, an error) but calls no query,
//! and never speaks SQL or diesel itself.

#[test]
fn the_simulation_calls_no_query_and_speaks_no_sql() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(!source.contains("diesel"), "{}: diesel belongs in maskportal::db", path.display());
        for (at, _) in source.match_indices("maskportal::db::") {
            let rest = &source[at + "maskportal::db::".len()..];
            let names = match rest.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or_default(),
                None => rest.split([';', ')', ' ', '\n']).next().unwrap_or_default(),
            };
            for name in names.split(',').map(str::trim) {
                assert!(
                    name.starts_with(char::is_uppercase),
                    "{}: `maskportal::db::{name}` is a query module; go through a service",
                    path.display()
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "the simulation's modules were not found");
}

//! Every node of one database holds the same keys: the first start records a check value of the
//! ID key and the JWT key, and a node started with another key refuses to start, so that no
//! person is fingerprinted twice (a second weekly quota) and no node refuses the others' tokens.

use maskportal::app::Application;
use maskportal::config::Config;
use maskportal::domain::clock::Clock;

use crate::helpers::TestApp;
use crate::on_both_backends;

/// Builds a second node on the first one's database, with extra settings.
async fn second_node(app: &TestApp, settings: &[(&str, &str)]) -> anyhow::Result<Application> {
    let mut vars = app.db.env();
    vars.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Application::build(Config::from_vars(&vars)?, Clock::system()).await
}

on_both_backends! {
    async fn a_node_with_another_id_key_refuses_to_start_naming_the_key(app: TestApp) {
        let other = "another resident id key, 32 bytes or more";
        let refused = second_node(&app, &[("MASKPORTAL_ID_KEY", other)]).await.err().expect("refused");
        let message = format!("{refused:#}");
        assert!(message.contains("resident ID key differs"), "{message}");
        assert!(message.contains("MASKPORTAL_ID_KEY"), "{message}");
    }
}

on_both_backends! {
    async fn a_node_with_another_jwt_key_refuses_to_start(app: TestApp) {
        let other = "another session signing key, 32 bytes or more";
        let refused = second_node(&app, &[("MASKPORTAL_JWT_SECRET", other)]).await.err().expect("refused");
        assert!(format!("{refused:#}").contains("session signing key differs"), "{refused:#}");
    }
}

on_both_backends! {
    async fn a_node_with_the_same_keys_starts_beside_the_first(app: TestApp) {
        let node = second_node(&app, &[]).await.expect("the same keys are accepted");
        assert_ne!(node.port(), 0);
    }
}

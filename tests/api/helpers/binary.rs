//! The real `maskportal` binary: CLI commands, and the server as a child process.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use maskportal::domain::clock::Clock;

use super::{eventually, TestApp, TestDatabase};

/// Runs the real `maskportal` binary with the given database and arguments.
pub fn maskportal(db: &TestDatabase, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_maskportal"))
        .args(args)
        .envs(db.env())
        .env("RUST_LOG", "warn")
        .current_dir(db.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("maskportal runs");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("stdin written");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("maskportal finishes")
}

pub fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "maskportal failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Registers a pharmacy in Gangnam with the real CLI.
pub fn add_site_by_cli(db: &TestDatabase, code: &str) {
    let args = [
        "admin",
        "site",
        "add",
        "--code",
        code,
        "--name",
        "테스트약국",
        "--type",
        "pharmacy",
        "--addr",
        "서울특별시 강남구 논현로 1 (논현동)",
        "--lat",
        "37.5",
        "--lng",
        "127.03",
    ];
    stdout(&maskportal(db, &args, None));
}

/// Creates a clerk of `site` with the real CLI.
pub fn add_clerk_by_cli(db: &TestDatabase, username: &str, site: &str, password: &str) {
    let args = [
        "admin",
        "user",
        "add",
        "--username",
        username,
        "--site",
        site,
        "--role",
        "clerk",
        "--password-stdin",
    ];
    stdout(&maskportal(db, &args, Some(password)));
}

/// The real binary serving on a free port, on the Wednesday test clock, its stderr drained (so
/// it never blocks on a full pipe) and kept. Killed when dropped, so a failing test leaves no
/// server behind.
pub struct ServedBinary {
    child: Option<std::process::Child>,
    pub address: String,
    logs: Option<std::thread::JoinHandle<String>>,
}

impl ServedBinary {
    /// Starts `maskportal serve` and waits until it is ready.
    pub async fn start(db: &TestDatabase, settings: &[(&str, &str)]) -> Self {
        Self::start_with_args(db, &[], settings).await
    }

    /// Starts `maskportal serve ARGS…` and waits until it is ready.
    pub async fn start_with_args(db: &TestDatabase, args: &[&str], settings: &[(&str, &str)]) -> Self {
        use std::io::Read;
        use std::process::{Command, Stdio};
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_maskportal"))
            .arg("serve")
            .args(args)
            .envs(db.env())
            .env("MASKPORTAL_BIND", format!("127.0.0.1:{port}"))
            .env("MASKPORTAL_CLOCK", "2020-03-11T10:00:00+09:00") // as test_clock()
            .env("RUST_LOG", "warn")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("maskportal serve starts");
        let mut stderr = child.stderr.take().expect("stderr");
        let logs = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        eventually(std::time::Duration::from_secs(30), || async {
            client.get(format!("{address}/readyz")).send().await.is_ok_and(|r| r.status() == 200)
        })
        .await;
        Self { child: Some(child), address, logs: Some(logs) }
    }

    /// A client of this process that checks every reply against the contract, like the
    /// in-process [`TestApp`]; `db` must be the database the process serves.
    pub fn app(&self, db: &Arc<TestDatabase>) -> TestApp {
        TestApp::at(self.address.clone(), db.clone(), test_clock())
    }

    /// Signs a clerk in on `device` and returns the token.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
        device: &str,
    ) -> String {
        let body = serde_json::json!({ "username": username, "password": password, "device_id": device });
        let reply: serde_json::Value = client
            .post(format!("{}/portal/v1/sessions", self.address))
            .json(&body)
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("a JSON reply");
        reply["token"].as_str().expect("signed in").to_owned()
    }

    /// Sends `signal` (e.g. `TERM`, `KILL`) and waits for the exit; returns it with the logs.
    pub async fn stop(mut self, signal: &str) -> (std::process::ExitStatus, String) {
        let mut child = self.child.take().expect("a running child");
        let logs = self.logs.take().expect("its logs");
        let sent = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().expect("exit status");
        (status, logs.join().unwrap_or_default())
    }
}

/// The clock of a served binary: Wednesday 11 March 2020, 10:00 KST, running on.
pub fn test_clock() -> Clock {
    Clock::starting_at(Utc.with_ymd_and_hms(2020, 3, 11, 1, 0, 0).unwrap())
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

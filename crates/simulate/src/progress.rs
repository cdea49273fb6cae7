//! The progress bar: the timed phases fill it by the clock; setup steps only change its
//! message. Without a terminal (CI logs) each step is printed on a line of its own instead.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    /// The current phase: when it started, where it starts on the bar, how long it runs.
    phase: Arc<Mutex<Option<(Instant, Duration, Duration)>>>,
    stop: Arc<AtomicBool>,
    plain: bool,
}

impl Progress {
    /// A bar as long as the timed phases (tenths of a second).
    pub fn new(total: Duration) -> Self {
        let bar = ProgressBar::new(tenths(total));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] [{bar:32}] {percent:>3}% of timed phases · {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        let phase = Arc::new(Mutex::new(None::<(Instant, Duration, Duration)>));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (bar, phase, stop) = (bar.clone(), phase.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some((start, offset, len)) = *phase.lock().unwrap_or_else(|p| p.into_inner()) {
                        bar.set_position(tenths(offset + start.elapsed().min(len)));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
        Self { bar, phase, stop, plain: !std::io::stderr().is_terminal() }
    }

    /// A setup step (not timed on the bar).
    pub fn step(&self, message: &str) {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.say(message);
    }

    /// A timed phase that starts `offset` into the bar and runs for `len`.
    pub fn phase(&self, message: &str, offset: Duration, len: Duration) {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), offset, len));
        self.say(&format!("{message} ({:.0} s)", len.as_secs_f64()));
    }

    fn say(&self, message: &str) {
        if self.plain {
            eprintln!("simulate: {message}");
        }
        self.bar.set_message(message.to_owned());
    }

    pub fn finish(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn tenths(d: Duration) -> u64 {
    (d.as_millis() / 100) as u64
}

//! Latency samples and their percentiles, exact (every sample kept; runs are minutes long).

use std::sync::Mutex;
use std::time::Duration;

/// Durations, kept in nanoseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    nanos: Vec<u64>,
    sorted: bool,
}

impl Samples {
    pub fn push(&mut self, elapsed: Duration) {
        self.nanos.push(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
        self.sorted = false;
    }

    pub fn extend(&mut self, other: Samples) {
        self.nanos.extend(other.nanos);
        self.sorted = false;
    }

    pub fn len(&self) -> usize {
        self.nanos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nanos.is_empty()
    }

    /// The nearest-rank percentile (`p` in 0–100) in milliseconds; NaN without samples.
    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        self.percentile_ns(p) / 1e6
    }

    pub fn percentile_us(&mut self, p: f64) -> f64 {
        self.percentile_ns(p) / 1e3
    }

    fn percentile_ns(&mut self, p: f64) -> f64 {
        if self.nanos.is_empty() {
            return f64::NAN;
        }
        if !self.sorted {
            self.nanos.sort_unstable();
            self.sorted = true;
        }
        let rank = ((p / 100.0) * self.nanos.len() as f64).ceil() as usize;
        self.nanos[rank.clamp(1, self.nanos.len()) - 1] as f64
    }

    pub fn max_ms(&mut self) -> f64 {
        self.percentile_ms(100.0)
    }
}

/// Samples shared by many tasks.
#[derive(Debug, Default)]
pub struct SharedSamples(Mutex<Samples>);

impl SharedSamples {
    pub fn push(&self, elapsed: Duration) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(elapsed);
    }

    pub fn take(&self) -> Samples {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Latency figures of one sample set, in milliseconds.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Summary {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    pub fn of(samples: &mut Samples) -> Self {
        Self {
            count: samples.len(),
            p50_ms: samples.percentile_ms(50.0),
            p99_ms: samples.percentile_ms(99.0),
            max_ms: samples.max_ms(),
        }
    }
}

/// Peak and current resident memory of this process, in MiB, from `/proc/self/status`.
pub fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The machine's 1-minute load average (other builds share these cores).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut samples = Samples::default();
        for ms in 1..=100u64 {
            samples.push(Duration::from_millis(ms));
        }
        assert_eq!(samples.percentile_ms(50.0), 50.0);
        assert_eq!(samples.percentile_ms(99.0), 99.0);
        assert_eq!(samples.max_ms(), 100.0);
        assert_eq!(samples.percentile_ms(0.0), 1.0);
        assert!(Samples::default().percentile_ms(50.0).is_nan());
    }

    #[test]
    fn memory_is_read_from_proc() {
        let (peak, now) = memory_mb();
        assert!(peak >= now && now > 0.0, "{peak} {now}");
    }
}

//! Time: the emulator's clock and the text forms times are written in.
//!
//! Every rule that moves on time (branches appearing, files processing,
//! submissions advancing, SAS expiry) reads the emulator's [`Clock`]. It is
//! the system's clock, or one that only moves when a test says so.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The time source of one emulator.
///
/// [`Clock::system`] follows the system clock; [`Clock::manual`] starts at
/// the system's time and moves only by [`Clock::advance`], so a test can step
/// a submission through its substates without sleeping. Clones share one time.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicU64>>,
}

impl Clock {
    /// The system clock (the default).
    pub fn system() -> Clock {
        Clock { manual: None }
    }

    /// A clock that stands still until [`advance`](Clock::advance)d.
    pub fn manual() -> Clock {
        Clock {
            manual: Some(Arc::new(AtomicU64::new(system_now_ms()))),
        }
    }

    /// Moves a manual clock forward; a system clock is not moved.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.manual {
            let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
            t.fetch_add(ms, Ordering::SeqCst);
        }
    }

    /// Whether this clock only moves when told to.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Milliseconds since the Unix epoch, as this clock reads it.
    pub fn now_ms(&self) -> u64 {
        match &self.manual {
            Some(t) => t.load(Ordering::SeqCst),
            None => system_now_ms(),
        }
    }
}

/// A duration in whole milliseconds (saturating).
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds since the Unix epoch on the system clock.
pub fn system_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(millis)
        .unwrap_or(0)
}

/// The civil date (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A UTC time as `2024-01-02T03:04:05.678Z`.
pub fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86400, secs % 86400);
    let (y, m, d) = civil(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// A time as SAS parameters write it: `2024-01-02T03:04:05Z`.
pub fn sas_time(ms: u64) -> String {
    let t = rfc3339(ms);
    format!("{}Z", t.split('.').next().unwrap_or(""))
}

/// A time in the HTTP date form, `Thu, 01 Jan 1970 00:00:00 GMT`.
pub fn httpdate(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86400, secs % 86400);
    let (y, m, d) = civil(days as i64);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    let month = MONTHS[(m.clamp(1, 12) - 1) as usize];
    format!(
        "{}, {d:02} {month} {y} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_the_service_writes_them() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(sas_time(1_700_000_000_123), "2023-11-14T22:13:20Z");
        assert_eq!(httpdate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(httpdate(1_700_000_000_123), "Tue, 14 Nov 2023 22:13:20 GMT");
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let c = Clock::manual();
        let t = c.now_ms();
        let shared = c.clone();
        c.advance(Duration::from_secs(5));
        assert_eq!(shared.now_ms(), t + 5000);
        assert!(Clock::system().now_ms() > 0);
    }
}

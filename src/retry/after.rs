//! Reading how long a server asks the client to wait: `Retry-After`
//! (seconds or an HTTP date) and Azure's `retry-after-ms` and
//! `x-ms-retry-after-ms`.
//!
//! Header values are data from outside: any of them may be empty, garbage,
//! negative, fractional, written with an exponent, a date centuries away or
//! a number past what fits in a `u64`. None of that panics or overflows
//! here. What is read is what the server *asked*; how long the client
//! actually waits is capped elsewhere ([`super::RetryPolicy::delay`]), and
//! every later sum with an `Instant` saturates.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The longest wait a header is read as. Anything longer is read as this
/// (a century), which no cap of a policy reaches, so the wait that is
/// reported as asked for stays honest while every sum stays far from
/// overflowing.
pub(crate) const LONGEST_ASKED: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// The wait a server asked for: the milliseconds headers when one of them
/// reads as a wait (the finer one wins, as Azure sends both), else
/// `Retry-After`. Where a header appears several times, the longest of its
/// readable values is taken. Unreadable values are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(wait) = longest(headers, name, |v| seconds(v).map(|s| s / 1000.0)) {
            return Some(wait);
        }
    }
    longest(headers, http::header::RETRY_AFTER.as_str(), |v| {
        seconds(v).or_else(|| until_date(v))
    })
}

/// The longest readable value of every `name` header, read by `read` as
/// seconds.
fn longest(
    headers: &HeaderMap,
    name: &str,
    read: impl Fn(&str) -> Option<f64>,
) -> Option<Duration> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| read(v.trim()))
        .map(to_duration)
        .max()
}

/// A non-negative, finite number of seconds: digits (of any length, so
/// `18446744073709551615` and longer read as very long), a fraction
/// (`0.5`) or an exponent (`1e9`). Negative, empty and other text: `None`.
fn seconds(text: &str) -> Option<f64> {
    if text.is_empty() || !text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    // Starting with a digit or a point, it is neither NaN nor negative;
    // too large a number reads as infinity, which becomes the longest wait.
    text.parse::<f64>().ok().filter(|v| *v >= 0.0)
}

/// Seconds from now until an HTTP date; a date in the past is zero.
fn until_date(text: &str) -> Option<f64> {
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .map_or(0.0, |d| d.as_secs_f64()),
    )
}

/// Seconds as a duration, at most [`LONGEST_ASKED`]; waits below a
/// millisecond round up to one, so a caller who waits them is past the
/// window the server meant.
fn to_duration(seconds: f64) -> Duration {
    if seconds <= 0.0 {
        return Duration::ZERO;
    }
    let wait = Duration::try_from_secs_f64(seconds).unwrap_or(LONGEST_ASKED);
    wait.clamp(Duration::from_millis(1), LONGEST_ASKED)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().unwrap());
        }
        h
    }

    #[test]
    fn milliseconds_win_as_azure_sends_them() {
        let h = headers(&[("retry-after", "1"), ("retry-after-ms", "250")]);
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let h = headers(&[("x-ms-retry-after-ms", "40")]);
        assert_eq!(retry_after(&h), Some(Duration::from_millis(40)));
        let h = headers(&[("x-ms-retry-after-ms", "soon"), ("retry-after", "2")]);
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        let h = headers(&[("retry-after-ms", "0.5")]);
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1)));
    }

    #[test]
    fn seconds_and_dates() {
        let h = headers(&[("retry-after", "7")]);
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = retry_after(&headers(&[("retry-after", &later)])).unwrap();
        assert!(
            wait > Duration::from_secs(110) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
        let far = headers(&[("retry-after", "Thu, 01 Jan 2099 00:00:00 GMT")]);
        assert!(retry_after(&far).unwrap() > Duration::from_secs(60 * 365 * 86400));
    }

    #[test]
    fn hostile_values_neither_panic_nor_overflow() {
        let cases: &[(&str, Option<Duration>)] = &[
            ("3600", Some(Duration::from_secs(3600))),
            ("99999999999", Some(LONGEST_ASKED)),
            ("18446744073709551615", Some(LONGEST_ASKED)),
            ("184467440737095516150000", Some(LONGEST_ASKED)),
            ("1e9", Some(Duration::from_secs(1_000_000_000))),
            ("1e400", Some(LONGEST_ASKED)),
            ("0.5", Some(Duration::from_millis(500))),
            ("0", Some(Duration::ZERO)),
            ("-5", None),
            ("-0.5", None),
            ("", None),
            ("NaN", None),
            ("inf", None),
            ("soon", None),
            ("+3", None),
            ("Fri, 31 Dec 9999 23:59:59 GMT", Some(LONGEST_ASKED)),
        ];
        for (value, expected) in cases {
            let h = headers(&[("retry-after", value)]);
            assert_eq!(retry_after(&h), *expected, "Retry-After: {value:?}");
            let now = tokio::time::Instant::now();
            // Adding what was read to a clock never overflows.
            if let Some(wait) = retry_after(&h) {
                assert!(now.checked_add(wait).is_some(), "{value}");
            }
        }
    }

    #[test]
    fn several_headers_the_longest_readable_one() {
        let h = headers(&[
            ("retry-after", "3"),
            ("retry-after", "garbage"),
            ("retry-after", "9"),
        ]);
        assert_eq!(retry_after(&h), Some(Duration::from_secs(9)));
    }
}

//! The time helpers under the names `aad.rs` reads them by
//! (`crate::app::now_ms`, `crate::app::rfc3339`); everything else reads
//! [`crate::clock`]. A leaf: it imports nothing but the clock.

pub use crate::clock::{rfc3339, system_now_ms as now_ms};

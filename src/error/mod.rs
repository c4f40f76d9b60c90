//! Errors, in three rooms:
//!
//! * [`kind`]: the crate's [`Error`] (what went wrong, by kind) and
//!   [`Result`];
//! * [`throttled`]: [`Throttled`], a request the service kept refusing for
//!   now, stopped at one of the client's bounds;
//! * [`wire`]: [`ApiError`], the service's error answer, and the parser of
//!   its wire forms (the `ICH…` string and ASP.NET's validation answer);
//! * the bridge out of the generated client's error type lives with the
//!   request pipeline (its `bridge` module), above this room.

pub(crate) mod kind;
pub(crate) mod throttled;
pub(crate) mod wire;

#[cfg(test)]
mod secret_tests;

pub use kind::{Error, Result};
pub use throttled::Throttled;
pub use wire::ApiError;

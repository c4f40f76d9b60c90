#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod auth;
pub mod blob;
mod client;
pub mod definition;
mod error;
mod generated;
mod net;
pub mod paging;
mod pipeline;
pub mod retry;
mod secret;
mod sensitive;
mod throttle;
pub mod workflows;

pub use client::{ClientBuilder, DEFAULT_ENDPOINT, DEFAULT_MAX_RESPONSE_SIZE};
pub use error::{ApiError, Error, Result, Throttled};
pub use generated::{builder, types, Client, ResponseValue};
pub use net::USER_AGENT;
pub use secret::{SasUri, Secret};

/// Every operation of the API: its method on [`Client`], HTTP verb and path.
pub mod operations {
    #![doc = include_str!(concat!(env!("OUT_DIR"), "/operations.md"))]
}

#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod auth;
pub mod blob;
mod client;
pub mod definition;
pub mod error;
mod generated;
pub mod paging;
pub mod retry;
pub mod secret;
pub mod workflows;

pub use client::{ClientBuilder, Pipeline, DEFAULT_ENDPOINT, USER_AGENT};
pub use error::{ApiError, Error, Result};
pub use generated::{builder, types, Client, ResponseValue};
pub use secret::{SasUri, Secret};

/// Every operation of the API: its method on [`Client`], HTTP verb and path.
pub mod operations {
    #![doc = include_str!(concat!(env!("OUT_DIR"), "/operations.md"))]
}

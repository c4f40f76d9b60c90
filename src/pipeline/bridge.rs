//! The bridge out of the generated client's error type: how a failure of
//! the pipeline travels through progenitor's code to the caller, and how
//! progenitor's errors become the crate's [`Error`].

use std::sync::{Arc, Mutex};

use http::{HeaderMap, StatusCode};

use crate::error::kind::Error;
use crate::error::wire::ApiError;

/// A failure the request pipeline carries to the generated code inside a
/// stand-in response (progenitor's `exec` hook must return a response or a
/// `reqwest::Error`, which only reqwest can make). [`from_generated`] takes
/// it back out before anything reaches the caller.
#[derive(Clone)]
struct Failure(Arc<Mutex<Option<Error>>>);

/// Status of the stand-in response that carries a failure without an answer.
const NO_ANSWER: u16 = 599;

/// A stand-in response carrying `error`, with the status, headers and body
/// of the answer it came from (if any).
pub(crate) fn carry(
    error: Error,
    answer: Option<(http::StatusCode, HeaderMap, bytes::Bytes)>,
) -> reqwest::Response {
    let (status, headers, body) = answer.unwrap_or_else(|| {
        (
            http::StatusCode::from_u16(NO_ANSWER).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            HeaderMap::new(),
            bytes::Bytes::new(),
        )
    });
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
        .extensions_mut()
        .insert(Failure(Arc::new(Mutex::new(Some(error)))));
    reqwest::Response::from(response)
}

/// Takes the [`Error`] the pipeline attached to a response, if any.
fn take_failure(response: &mut reqwest::Response) -> Option<Error> {
    let failure = response.extensions_mut().remove::<Failure>()?;
    let mut slot = failure.0.lock().unwrap_or_else(|p| p.into_inner());
    slot.take()
}

/// Converts the generated client's error into ours; every generated `send`
/// goes through it, so progenitor's error type and the stand-in responses
/// never reach the caller.
pub(crate) fn from_generated(error: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as P;
    match error {
        P::InvalidRequest(message) | P::Custom(message) => Error::InvalidRequest(message),
        P::CommunicationError(source)
        | P::InvalidUpgrade(source)
        | P::ResponseBodyError(source) => Error::Transport {
            source,
            client_request_id: None,
        },
        P::ErrorResponse(value) => {
            Error::from_response(ApiError::from_parts(value.status(), value.headers(), &[]))
        }
        P::InvalidResponsePayload(bytes, source) => Error::decode(source, &bytes),
        P::UnexpectedResponse(mut response) => match take_failure(&mut response) {
            Some(error) => error,
            None => Error::from_response(ApiError::from_parts(
                response.status(),
                response.headers(),
                &[],
            )),
        },
    }
}

//! Uploading files to the Azure Blob Storage SAS URL (`fileSasUri`) the API
//! hands out for listing images, videos and packages.
//!
//! # Why our own code and not `azure_storage_blob`
//!
//! Checked on 2026-11-26 with `cargo tree -d`: `azure_storage_blob` 1.1.0
//! depends on `azure_core` 1.1.0 → `typespec_client_core` 1.1.0 →
//! `reqwest` 0.13, the same reqwest as ours, so it *could* share our one
//! HTTP client (through `azure_core`'s transport option). We still do not
//! use it, because:
//!
//! * its `upload` takes the whole blob as one `Bytes`, so streaming a file
//!   from disk would mean calling its `stage_block` / `commit_block_list`
//!   ourselves anyway: it would only build the three requests this file
//!   builds;
//! * it adds about thirty crates (`azure_core`, `typespec*`, `quick-xml`,
//!   `time`, `async-lock`, `async-trait`, a second `rand`…), and its default
//!   features switch on gzip and deflate in our reqwest for every request of
//!   the crate;
//! * it brings a second retry pipeline and a second error type, which would
//!   have to be mapped to ours and checked for SAS signatures anyway.
//!
//! The three Storage calls used here are small and stable: Put Blob, Put
//! Block and Put Block List, at `x-ms-version` [`STORAGE_VERSION`].
//!
//! # What it does
//!
//! * A blob up to [`BlobUploader::single_put_threshold`] (default 8 MiB) goes
//!   up in one Put Blob with its `Content-MD5`.
//! * A larger one goes up in blocks of [`BlobUploader::block_size`] (default
//!   8 MiB), [`BlobUploader::blocks_in_flight`] (default 4) at a time, then
//!   one Put Block List naming them in order. The whole blob's MD5
//!   (`x-ms-blob-content-md5`, [`BlobUploader::blob_md5`]) and each block's
//!   own `Content-MD5` ([`BlobUploader::block_md5`]) are sent only when
//!   asked for: off by default, as in Microsoft's SDKs, because hashing
//!   costs a share of the throughput (Storage checking each block about a
//!   third; hashing the whole blob about a tenth on two cores) and TLS
//!   already guards the bytes. The hashing runs on blocking threads, beside
//!   the uploads, not on the async threads that drive them.
//! * The source is read once, in order, a block at a time, and only when
//!   fewer than blocks-in-flight blocks are out: memory stays near blocks in
//!   flight × block size, whatever the file's size. (A reader of unknown
//!   length is first read up to the single-put threshold, to choose between
//!   the two; that memory is let go as its blocks are sent.)
//! * Each request is retried on 408, 429, 5xx, timeouts and dropped
//!   connections (every call here is an idempotent `PUT`), waiting what
//!   `Retry-After` says or backing off with jitter ([`RetryPolicy`]).
//! * Errors name the file, the Storage operation, the status, Storage's
//!   `<Code>` and `<Message>` and the `x-ms-request-id`. The SAS signature
//!   never appears in an error, its `Debug`, or a `tracing` event: the blob
//!   is always shown without its query.

use std::path::Path;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use futures::stream::{FuturesUnordered, StreamExt as _};
use md5::{Digest as _, Md5};
use tokio::io::AsyncRead;

use crate::retry::RetryPolicy;
use crate::secret::SasUri;

mod blocks;
mod error;
mod send;
mod target;

use blocks::{block_md5, read_up_to, Block, BlockReader, WholeMd5};
pub use error::{Operation, StorageError, UploadError, UploadErrorKind};
use target::Target;

/// The Blob service REST version sent as `x-ms-version`.
pub const STORAGE_VERSION: &str = "2021-08-06";

/// Most blocks one block blob may have.
const MAX_BLOCKS: u64 = 50_000;
/// Largest block Storage accepts (since version 2019-12-12).
const MAX_BLOCK_SIZE: usize = 4000 * 1024 * 1024;
/// Largest blob one Put Blob may carry (since version 2019-12-12).
const MAX_SINGLE_PUT: u64 = 5000 * 1024 * 1024;
/// Most of an error body read.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Longest Storage text kept in an error.
const MAX_TEXT: usize = 500;

/// Uploads files and streams to Azure Blob Storage SAS URLs as block blobs.
///
/// Built from a `reqwest::Client`, usually the API client's own
/// (`Client::blob_uploader`); cheap to clone.
///
/// ```no_run
/// # async fn run(client: &partner_center_ingestion::Client, sas: partner_center_ingestion::SasUri) -> Result<(), partner_center_ingestion::Error> {
/// let uploader = client.blob_uploader();
/// let summary = uploader
///     .upload_file(&sas, "package.zip".as_ref(), |p| {
///         eprintln!("{} of {:?} bytes", p.sent, p.total)
///     })
///     .await?;
/// println!("{} bytes in {} blocks", summary.bytes, summary.blocks);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BlobUploader {
    http: reqwest::Client,
    block_size: usize,
    blocks_in_flight: usize,
    single_put_threshold: u64,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    block_md5: bool,
    blob_md5: bool,
}

/// How far an upload is, reported to the progress callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes Storage has confirmed (blocks stored, or the whole blob).
    pub sent: u64,
    /// The blob's length when known in advance (always for a file).
    pub total: Option<u64>,
    /// Whether the blob is complete: the Put Blob or Put Block List
    /// succeeded. Only the last report has it.
    pub committed: bool,
}

/// What an upload did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadSummary {
    /// Bytes uploaded.
    pub bytes: u64,
    /// Blocks uploaded; 0 when the blob went up in one Put Blob.
    pub blocks: usize,
    /// Base64 MD5 of the whole blob, which Storage records as its
    /// `Content-MD5`: always for a single Put Blob, and for a block upload
    /// when [`BlobUploader::blob_md5`] is on.
    pub content_md5: Option<String>,
    /// The blob's `ETag` after the upload.
    pub etag: Option<String>,
    /// `x-ms-request-id` of the final request (Put Blob or Put Block List).
    pub request_id: Option<String>,
    /// Requests sent again after a retryable failure, over the whole upload.
    pub retries: u32,
}

impl BlobUploader {
    /// An uploader sending its requests with `http`.
    ///
    /// Its per-request timeout is the client's own unless
    /// [`BlobUploader::timeout`] sets one; a block must be sent within it.
    pub fn new(http: reqwest::Client) -> Self {
        BlobUploader {
            http,
            block_size: 8 * 1024 * 1024,
            blocks_in_flight: 4,
            single_put_threshold: 8 * 1024 * 1024,
            retry: RetryPolicy {
                max_attempts: 5,
                initial_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(10),
                max_retry_after: Duration::from_secs(30),
                budget: Duration::from_secs(120),
            },
            timeout: None,
            block_md5: false,
            blob_md5: false,
        }
    }

    /// Size of each block of a block upload (default 8 MiB; between 1 byte
    /// and 4000 MiB). Memory use is about this times
    /// [`BlobUploader::blocks_in_flight`]. The default is AzCopy's, and
    /// above the 4 MiB past which Azure Storage takes blocks on its
    /// high-throughput path; against Azurite, 4 MiB blocks reached about
    /// 0.83 of one streamed `PUT`, 8 MiB about 0.92 (see the README).
    pub fn block_size(mut self, bytes: usize) -> Self {
        self.block_size = bytes.clamp(1, MAX_BLOCK_SIZE);
        self
    }

    /// How many blocks are sent at the same time (default 4, at least 1).
    pub fn blocks_in_flight(mut self, blocks: usize) -> Self {
        self.blocks_in_flight = blocks.max(1);
        self
    }

    /// Whether each Put Block carries the block's `Content-MD5`, for Storage
    /// to check (default off, like `validate_content=False` in Microsoft's
    /// Python SDK and the .NET SDK's default). A single Put Blob always
    /// carries its `Content-MD5`. On Azurite, Storage checking each block
    /// slowed 256 MiB uploads by about a third (see the README's
    /// benchmarks).
    pub fn block_md5(mut self, on: bool) -> Self {
        self.block_md5 = on;
        self
    }

    /// Whether a block upload computes the whole blob's MD5 and records it
    /// with the Put Block List (`x-ms-blob-content-md5`, then the blob's
    /// `Content-MD5` and [`UploadSummary::content_md5`]). Default off, as in
    /// Microsoft's SDKs, which record one only when the caller gives it: on
    /// two cores, hashing 256 MiB beside the upload cost about a tenth of
    /// the throughput against Azurite.
    pub fn blob_md5(mut self, on: bool) -> Self {
        self.blob_md5 = on;
        self
    }

    /// Blobs up to this many bytes go up in one Put Blob (default 8 MiB, at
    /// most 5000 MiB); larger ones in blocks.
    pub fn single_put_threshold(mut self, bytes: u64) -> Self {
        self.single_put_threshold = bytes.min(MAX_SINGLE_PUT);
        self
    }

    /// How each request (a Put Blob, each Put Block, the Put Block List) is
    /// retried: attempts, backoff, longest `Retry-After` honoured, and the
    /// time after which no further attempt of that request starts. Default:
    /// 5 attempts, 500 ms doubling up to 10 s, `Retry-After` up to 30 s,
    /// 2 minutes. [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeout of one Storage request, from sending to the end of the answer
    /// (default: the HTTP client's own).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Uploads the file at `path` to the blob `sas` names, as a block blob
    /// of type `application/octet-stream`, replacing any blob there.
    ///
    /// The file is streamed, never read whole into memory. `progress` is
    /// called after each stored block and once more, with
    /// [`Progress::committed`] set and `sent == total`, when the blob is
    /// complete. To watch from another task, pass
    /// `move |p| { let _ = sender.send(p); }` with a
    /// `tokio::sync::watch::Sender<Progress>`.
    ///
    /// A file whose length changes while it is read is an error
    /// ([`UploadErrorKind::LengthMismatch`]); nothing is committed then.
    pub async fn upload_file(
        &self,
        sas: &SasUri,
        path: &Path,
        progress: impl FnMut(Progress),
    ) -> Result<UploadSummary, UploadError> {
        let target = Target::parse(sas, Some(path))?;
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|source| target.error(UploadErrorKind::Read { source }))?;
        let len = file
            .metadata()
            .await
            .map_err(|source| target.error(UploadErrorKind::Read { source }))?
            .len();
        self.upload(&target, file, Some(len), progress).await
    }

    /// Uploads what `reader` yields to the blob `sas` names, as
    /// [`BlobUploader::upload_file`] does for a file.
    ///
    /// `len` is the number of bytes the reader yields, when known; a reader
    /// that yields another number is an error and nothing is committed.
    /// Without it, the first [`BlobUploader::single_put_threshold`] bytes
    /// are read to decide between one Put Blob and blocks, and the progress
    /// has no total until the end.
    pub async fn upload_reader(
        &self,
        sas: &SasUri,
        reader: impl AsyncRead + Send + Unpin,
        len: Option<u64>,
        progress: impl FnMut(Progress),
    ) -> Result<UploadSummary, UploadError> {
        let target = Target::parse(sas, None)?;
        self.upload(&target, reader, len, progress).await
    }

    async fn upload<R: AsyncRead + Send + Unpin>(
        &self,
        target: &Target,
        mut reader: R,
        len: Option<u64>,
        mut progress: impl FnMut(Progress),
    ) -> Result<UploadSummary, UploadError> {
        let threshold = self.single_put_threshold;
        if let Some(len) = len {
            if len > threshold {
                let blocks = len.div_ceil(self.block_size as u64);
                if blocks > MAX_BLOCKS {
                    return Err(target.error(UploadErrorKind::TooManyBlocks {
                        block_size: self.block_size,
                    }));
                }
                return self
                    .upload_blocks(target, Bytes::new(), reader, Some(len), &mut progress)
                    .await;
            }
        }
        // Small, or of unknown length: read up to one byte past the threshold.
        let limit = usize::try_from(threshold.saturating_add(1)).unwrap_or(usize::MAX);
        let mut head = BytesMut::with_capacity(
            len.and_then(|l| usize::try_from(l.saturating_add(1)).ok())
                .unwrap_or(64 * 1024)
                .min(limit),
        );
        let read = read_up_to(&mut reader, &mut head, limit)
            .await
            .map_err(|source| target.error(UploadErrorKind::Read { source }))?;
        let read = read as u64;
        if read <= threshold {
            if let Some(expected) = len {
                if read != expected {
                    return Err(target.error(UploadErrorKind::LengthMismatch {
                        expected,
                        read: Some(read),
                    }));
                }
            }
            return self.put_blob(target, head.freeze(), &mut progress).await;
        }
        if let Some(expected) = len {
            // The reader gave more than the length said.
            return Err(target.error(UploadErrorKind::LengthMismatch {
                expected,
                read: None,
            }));
        }
        self.upload_blocks(target, head.freeze(), reader, None, &mut progress)
            .await
    }

    async fn put_blob(
        &self,
        target: &Target,
        body: Bytes,
        progress: &mut impl FnMut(Progress),
    ) -> Result<UploadSummary, UploadError> {
        let md5 = BASE64.encode(Md5::digest(&body));
        let len = body.len() as u64;
        let url = target.url.clone();
        let sent = self
            .send(target, Operation::PutBlob, || {
                self.http
                    .put(url.clone())
                    .header("x-ms-blob-type", "BlockBlob")
                    .header(http::header::CONTENT_TYPE, "application/octet-stream")
                    .header("content-md5", &md5)
                    .body(body.clone())
            })
            .await?;
        progress(Progress {
            sent: len,
            total: Some(len),
            committed: true,
        });
        Ok(UploadSummary {
            bytes: len,
            blocks: 0,
            content_md5: Some(md5),
            etag: header(&sent.response, "etag"),
            request_id: header(&sent.response, "x-ms-request-id"),
            retries: sent.retries,
        })
    }

    /// Uploads `head` (already read) and the rest of `reader` in blocks.
    async fn upload_blocks<R: AsyncRead + Send + Unpin>(
        &self,
        target: &Target,
        head: Bytes,
        mut reader: R,
        len: Option<u64>,
        progress: &mut impl FnMut(Progress),
    ) -> Result<UploadSummary, UploadError> {
        let whole = self
            .blob_md5
            .then(|| WholeMd5::start(self.blocks_in_flight));
        let mut blocks = BlockReader {
            head,
            reader: &mut reader,
            whole: whole.as_ref(),
            next: 0,
            offset: 0,
            len,
            block_size: self.block_size,
            done: false,
        };
        let mut stored: Vec<(u64, usize)> = Vec::new();
        let mut sent = 0u64;
        let mut retries = 0u32;
        // Blocks are read one at a time, in order, and only when fewer than
        // `blocks_in_flight` are out: that bounds the memory held.
        let mut in_flight = FuturesUnordered::new();
        let mut all_read = false;
        loop {
            while !all_read && in_flight.len() < self.blocks_in_flight {
                match blocks.next_block().await {
                    Ok(Some(block)) => in_flight.push(self.put_block(target, block)),
                    Ok(None) => all_read = true,
                    Err(kind) => return Err(target.error(kind)),
                }
            }
            let Some(done) = in_flight.next().await else {
                break;
            };
            let (index, size, block_retries) = done?;
            stored.push((index, size));
            sent += size as u64;
            retries += block_retries;
            progress(Progress {
                sent,
                total: len,
                committed: false,
            });
        }
        drop(in_flight);
        stored.sort_unstable_by_key(|&(index, _)| index);
        let whole_md5 = match whole {
            Some(whole) => Some(whole.finish().await.map_err(|kind| target.error(kind))?),
            None => None,
        };

        let mut list = String::from(r#"<?xml version="1.0" encoding="utf-8"?><BlockList>"#);
        for &(index, _) in &stored {
            list.push_str("<Latest>");
            list.push_str(&block_id(index));
            list.push_str("</Latest>");
        }
        list.push_str("</BlockList>");
        let list = Bytes::from(list);
        let list_md5 = BASE64.encode(Md5::digest(&list));
        let mut url = target.url.clone();
        url.query_pairs_mut().append_pair("comp", "blocklist");
        let committed = self
            .send(target, Operation::PutBlockList, || {
                let request = self
                    .http
                    .put(url.clone())
                    .header(http::header::CONTENT_TYPE, "application/xml")
                    .header("content-md5", &list_md5)
                    .header("x-ms-blob-content-type", "application/octet-stream");
                match &whole_md5 {
                    Some(md5) => request.header("x-ms-blob-content-md5", md5),
                    None => request,
                }
                .body(list.clone())
            })
            .await?;
        progress(Progress {
            sent,
            total: Some(sent),
            committed: true,
        });
        Ok(UploadSummary {
            bytes: sent,
            blocks: stored.len(),
            content_md5: whole_md5,
            etag: header(&committed.response, "etag"),
            request_id: header(&committed.response, "x-ms-request-id"),
            retries: retries + committed.retries,
        })
    }

    /// Sends one block; answers its index, size and retries.
    async fn put_block(
        &self,
        target: &Target,
        block: Block,
    ) -> Result<(u64, usize, u32), UploadError> {
        let md5 = if self.block_md5 {
            Some(block_md5(&block.data).await)
        } else {
            None
        };
        let mut url = target.url.clone();
        url.query_pairs_mut()
            .append_pair("comp", "block")
            .append_pair("blockid", &block_id(block.index));
        let size = block.data.len();
        let operation = Operation::PutBlock {
            index: block.index,
            offset: block.offset,
            len: size as u64,
        };
        let sent = self
            .send(target, operation, || {
                let request = self
                    .http
                    .put(url.clone())
                    .header(http::header::CONTENT_TYPE, "application/octet-stream");
                match &md5 {
                    Some(md5) => request.header("content-md5", md5),
                    None => request,
                }
                .body(block.data.clone())
            })
            .await?;
        Ok((block.index, size, sent.retries))
    }
}

/// The block id of block `index`: fixed length (Storage requires every id of
/// a blob to have the same length), base64.
fn block_id(index: u64) -> String {
    BASE64.encode(format!("block-{index:010}"))
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::error::xml_element;
    use super::*;

    #[test]
    fn block_ids_have_one_length() {
        let first = block_id(0);
        assert_eq!(first.len(), block_id(49_999).len());
        assert_eq!(
            BASE64.decode(&first).unwrap(),
            b"block-0000000000".as_slice()
        );
    }

    #[test]
    fn target_hides_the_signature() {
        let sas = SasUri::new(
            "https://acct.blob.core.windows.net/c/logo.png?sv=2021-08-06&sp=cw&sig=a%2Bb%3D&se=2030",
        );
        let target = Target::parse(&sas, None).unwrap();
        assert_eq!(
            target.shown,
            "https://acct.blob.core.windows.net/c/logo.png?[SAS redacted]"
        );
        assert_eq!(
            target.scrub("bad a+b= and a%2Bb%3D and sig=zzz"),
            "bad REDACTED and REDACTED and sig=REDACTED"
        );
        let Err(bad) = Target::parse(&SasUri::new("not a url?sig=secret"), None) else {
            panic!("a relative URL was accepted");
        };
        assert!(!format!("{bad} {bad:?}").contains("secret"));
    }

    #[test]
    fn storage_error_xml() {
        let xml = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed &amp; more\nRequestId:1</Message></Error>";
        assert_eq!(
            xml_element(xml, "Code").as_deref(),
            Some("AuthenticationFailed")
        );
        assert_eq!(
            xml_element(xml, "Message").as_deref(),
            Some("Server failed & more\nRequestId:1")
        );
        assert_eq!(xml_element(xml, "Nope"), None);
    }
}

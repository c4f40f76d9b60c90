//! Reading the source a block at a time.

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use md5::{Digest as _, Md5};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use tokio::sync::mpsc;

use super::{UploadErrorKind, MAX_BLOCKS};

pub(super) struct Block {
    pub(super) index: u64,
    pub(super) offset: u64,
    pub(super) data: Bytes,
}

/// Reads the source a block at a time, handing each block, in order, to
/// the hasher of the whole blob ([`WholeMd5`]) when there is one.
pub(super) struct BlockReader<'a, R> {
    /// Bytes read before the upload chose blocks; they come first.
    pub(super) head: Bytes,
    pub(super) reader: &'a mut R,
    pub(super) whole: Option<&'a WholeMd5>,
    pub(super) next: u64,
    pub(super) offset: u64,
    pub(super) len: Option<u64>,
    pub(super) block_size: usize,
    pub(super) done: bool,
}

impl<R: AsyncRead + Unpin> BlockReader<'_, R> {
    pub(super) async fn next_block(&mut self) -> Result<Option<Block>, UploadErrorKind> {
        if self.done {
            return Ok(None);
        }
        let want = match self.len {
            Some(len) => usize::try_from(len.saturating_sub(self.offset))
                .map_or(self.block_size, |left| left.min(self.block_size)),
            None => self.block_size,
        };
        let mut data = BytesMut::with_capacity(want);
        if !self.head.is_empty() {
            let take = want.min(self.head.len());
            data.extend_from_slice(&self.head.split_to(take));
            if self.head.is_empty() {
                // Let go of the head's memory.
                self.head = Bytes::new();
            }
        }
        let from_head = data.len();
        let read = from_head
            + read_up_to(self.reader, &mut data, want - from_head)
                .await
                .map_err(|source| UploadErrorKind::Read { source })?;
        let total = self.offset + read as u64;
        if read < want || self.len == Some(total) {
            self.done = true;
            if let Some(expected) = self.len {
                if total < expected {
                    return Err(UploadErrorKind::LengthMismatch {
                        expected,
                        read: Some(total),
                    });
                }
                // Exactly the promised length: the source must end here.
                let mut probe = [0u8; 1];
                let extra = self
                    .reader
                    .read(&mut probe)
                    .await
                    .map_err(|source| UploadErrorKind::Read { source })?;
                if extra > 0 {
                    return Err(UploadErrorKind::LengthMismatch {
                        expected,
                        read: None,
                    });
                }
            }
        }
        if read == 0 {
            return Ok(None);
        }
        if self.next >= MAX_BLOCKS {
            return Err(UploadErrorKind::TooManyBlocks {
                block_size: self.block_size,
            });
        }
        let data = data.freeze();
        if let Some(whole) = self.whole {
            whole.update(data.clone()).await;
        }
        let block = Block {
            index: self.next,
            offset: self.offset,
            data,
        };
        self.next += 1;
        self.offset = total;
        Ok(Some(block))
    }
}

/// The MD5 of the whole blob, computed on a blocking thread from the blocks
/// in order, so that hashing runs beside the uploads instead of on the
/// async threads that drive them. The queue holds at most `depth` blocks
/// (bytes shared with the blocks in flight, not copies).
pub(super) struct WholeMd5 {
    blocks: mpsc::Sender<Bytes>,
    hasher: tokio::task::JoinHandle<Md5>,
}

impl WholeMd5 {
    pub(super) fn start(depth: usize) -> Self {
        let (blocks, mut queue) = mpsc::channel::<Bytes>(depth.max(1));
        let hasher = tokio::task::spawn_blocking(move || {
            let mut md5 = Md5::new();
            while let Some(block) = queue.blocking_recv() {
                md5.update(&block);
            }
            md5
        });
        WholeMd5 { blocks, hasher }
    }

    async fn update(&self, block: Bytes) {
        // The hasher only stops when the sender is dropped; a send cannot
        // fail before then.
        let _ = self.blocks.send(block).await;
    }

    /// The digest of every block handed over, base64.
    pub(super) async fn finish(self) -> Result<String, UploadErrorKind> {
        drop(self.blocks);
        let md5 = self.hasher.await.map_err(|e| UploadErrorKind::Read {
            source: std::io::Error::other(format!("hashing the blob failed: {e}")),
        })?;
        Ok(super::BASE64.encode(md5.finalize()))
    }
}

/// The base64 MD5 of one block, computed on a blocking thread.
pub(super) async fn block_md5(data: &Bytes) -> String {
    let copy = data.clone();
    match tokio::task::spawn_blocking(move || super::BASE64.encode(Md5::digest(&copy))).await {
        Ok(md5) => md5,
        // Only if the blocking pool is gone (the runtime shutting down).
        Err(_) => super::BASE64.encode(Md5::digest(data)),
    }
}

/// Reads until `limit` bytes are in `buf` or the reader ends; answers how
/// many were read.
pub(super) async fn read_up_to<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut BytesMut,
    limit: usize,
) -> std::io::Result<usize> {
    let mut read = 0;
    while read < limit {
        let room = limit - read;
        if buf.len() == buf.capacity() {
            buf.reserve(room.min(1024 * 1024));
        }
        let n = (&mut *reader).take(room as u64).read_buf(buf).await?;
        if n == 0 {
            break;
        }
        read += n;
    }
    Ok(read)
}

//! Reading the source a block at a time.

use bytes::{Bytes, BytesMut};
use md5::{Digest as _, Md5};
use tokio::io::{AsyncRead, AsyncReadExt as _};

use super::{UploadErrorKind, MAX_BLOCKS};

pub(super) struct Block {
    pub(super) index: u64,
    pub(super) offset: u64,
    pub(super) data: Bytes,
}

/// Reads the source a block at a time, hashing it as a whole on the way.
pub(super) struct BlockReader<'a, R> {
    /// Bytes read before the upload chose blocks; they come first.
    pub(super) head: Bytes,
    pub(super) reader: &'a mut R,
    pub(super) whole: &'a mut Md5,
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
        self.whole.update(&data);
        let block = Block {
            index: self.next,
            offset: self.offset,
            data: data.freeze(),
        };
        self.next += 1;
        self.offset = total;
        Ok(Some(block))
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

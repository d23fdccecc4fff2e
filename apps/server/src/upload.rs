//! Files over HTTP, shared by the API and the portal: a multipart file part as the kernel's
//! [`ChunkSource`] (read 64 KiB at a time, never buffered whole), the text parts of a
//! multipart form read with a size cap, and file downloads with safe headers.

use poem::http::header;
use poem::web::{Field, Multipart};
use zhicheng_kernel::upload::ChunkSource;

use crate::error::ApiError;

/// A multipart file part as a chunk source, read 64 KiB at a time.
pub struct FieldChunks<R>(pub R);

impl<R: tokio::io::AsyncRead + Unpin + Send> ChunkSource for FieldChunks<R> {
    type Chunk = Vec<u8>;

    async fn next_chunk(&mut self) -> Option<Result<Vec<u8>, String>> {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 * 1024];
        match self.0.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some(Ok(buf))
            }
            Err(e) => Some(Err(e.to_string())),
        }
    }
}

/// A file part's chunks.
pub fn field_chunks(field: Field) -> FieldChunks<impl tokio::io::AsyncRead + Unpin + Send> {
    FieldChunks(Box::pin(field.into_async_read()))
}

/// Longest text part read from a multipart form, in bytes.
pub const MAX_TEXT_PART: usize = 16 * 1024;

/// The text parts of a multipart form up to the file part named `file` (returned unread, so
/// the caller can check the text first and then stream the file), or to the end.
///
/// # Errors
/// 422 for an unreadable body or a text part over [`MAX_TEXT_PART`].
pub async fn text_parts_until(
    form: &mut Multipart,
    file: &str,
) -> Result<(Vec<(String, String)>, Option<Field>), ApiError> {
    let mut texts = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok((texts, None)),
            Err(e) => {
                return Err(ApiError::field(
                    file,
                    "提交的内容无法读取，请重试",
                    format!("unreadable multipart body: {e}"),
                ));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == file {
            return Ok((texts, Some(field)));
        }
        let bytes = read_capped(field).await.map_err(|()| {
            ApiError::field(
                &name,
                "填写的内容过长",
                format!("the part is longer than {MAX_TEXT_PART} bytes"),
            )
        })?;
        texts.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
}

async fn read_capped(field: Field) -> Result<Vec<u8>, ()> {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let mut r = Box::pin(field.into_async_read()).take(MAX_TEXT_PART as u64 + 1);
    r.read_to_end(&mut out).await.map_err(|_| ())?;
    if out.len() > MAX_TEXT_PART {
        return Err(());
    }
    Ok(out)
}

/// The value of the text part `name` (empty when absent).
pub fn text_of(texts: &[(String, String)], name: &str) -> String {
    texts
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A file answered as a download, never shown inline: `disposition` is the whole
/// `Content-Disposition` value.
pub fn download(disposition: &str, content_type: &str, bytes: Vec<u8>) -> poem::Response {
    poem::Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", "sandbox; default-src 'none'")
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(bytes)
}

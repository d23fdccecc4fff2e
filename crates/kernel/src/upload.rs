//! Uploaded files, for every domain that takes them (declaration attachments, name-correction
//! evidence): the allow-list by content (magic bytes: PDF, JPEG, PNG) with an extension that
//! must agree, safe file names, content addresses (SHA-256), the size limits checked while the
//! bytes stream in ([`UploadCheck`]), and the ports through which the bytes arrive
//! ([`ChunkSource`]) and are kept ([`BlobStore`]). [`receive`] streams one upload through the
//! check into the blob store. No I/O here: adapters implement the ports.

use std::future::Future;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{FieldError, Localized, StoreError};

/// The kinds of file accepted, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    Pdf,
    Jpeg,
    Png,
}

/// How many leading bytes kind detection needs.
pub const SNIFF_LEN: usize = 8;

const PDF_MAGIC: &[u8] = b"%PDF-";
const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
/// The eight bytes every PNG file starts with.
pub const PNG_MAGIC: &[u8] = &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

impl ContentKind {
    pub const ALL: [ContentKind; 3] = [ContentKind::Pdf, ContentKind::Jpeg, ContentKind::Png];

    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::Pdf => "pdf",
            ContentKind::Jpeg => "jpeg",
            ContentKind::Png => "png",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The media type to serve it with.
    pub fn mime(self) -> &'static str {
        match self {
            ContentKind::Pdf => "application/pdf",
            ContentKind::Jpeg => "image/jpeg",
            ContentKind::Png => "image/png",
        }
    }

    /// Display name, e.g. `PDF`.
    pub fn label(self) -> &'static str {
        match self {
            ContentKind::Pdf => "PDF",
            ContentKind::Jpeg => "JPEG",
            ContentKind::Png => "PNG",
        }
    }

    /// The kind a file name extension (without the dot, any case) claims.
    pub fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext.to_ascii_lowercase().as_str() {
            "pdf" => ContentKind::Pdf,
            "jpg" | "jpeg" => ContentKind::Jpeg,
            "png" => ContentKind::Png,
            _ => return None,
        })
    }

    /// The kind the content actually is, from its first bytes (at least [`SNIFF_LEN`] of them,
    /// or the whole file when shorter).
    pub fn detect(head: &[u8]) -> Option<Self> {
        if head.starts_with(PDF_MAGIC) {
            Some(ContentKind::Pdf)
        } else if head.starts_with(PNG_MAGIC) {
            Some(ContentKind::Png)
        } else if head.starts_with(JPEG_MAGIC) {
            Some(ContentKind::Jpeg)
        } else {
            None
        }
    }
}

/// Longest accepted file name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A file name safe to store and to show: the last path component only, without control
/// characters, leading dots or surrounding spaces, 1 to [`MAX_NAME_CHARS`] characters, with an
/// extension. Chinese and other letters are kept. It is only ever a label: blobs are stored
/// under their content address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileName(String);

impl FileName {
    /// Sanitises what the client sent.
    ///
    /// # Errors
    /// [`FileError::BadName`] when nothing usable is left, [`FileError::NameTooLong`].
    pub fn parse(raw: &str) -> Result<FileName, FileError> {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = last
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
            .collect();
        let cleaned = cleaned.trim().trim_start_matches('.').trim();
        if cleaned.is_empty() || !cleaned.contains('.') || cleaned.ends_with('.') {
            return Err(FileError::BadName {
                name: raw
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(MAX_NAME_CHARS)
                    .collect(),
            });
        }
        if cleaned.chars().count() > MAX_NAME_CHARS {
            return Err(FileError::NameTooLong {
                name: cleaned.chars().take(MAX_NAME_CHARS).collect(),
            });
        }
        Ok(FileName(cleaned.to_owned()))
    }

    /// Rebuilds a stored name (already sanitised).
    pub fn from_stored(s: String) -> FileName {
        FileName(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lower-case extension without the dot.
    pub fn extension(&self) -> String {
        self.0
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default()
    }
}

impl std::fmt::Display for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// SHA-256 of a blob as 64 lower-case hex digits; also its address in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentAddress(String);

impl ContentAddress {
    pub fn from_digest(digest: &[u8; 32]) -> ContentAddress {
        use std::fmt::Write;
        let mut s = String::with_capacity(64);
        for b in digest {
            let _ = write!(s, "{b:02x}");
        }
        ContentAddress(s)
    }

    /// The address of `bytes`.
    pub fn of(bytes: &[u8]) -> ContentAddress {
        ContentAddress::from_digest(&Sha256::digest(bytes).into())
    }

    /// Parses 64 lower-case hex digits.
    pub fn parse(s: &str) -> Option<ContentAddress> {
        (s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| ContentAddress(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ContentAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an uploaded file was refused. Every message names the file and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("“{name}”: the file name is not usable (it needs a name and an extension)")]
    BadName { name: String },
    #[error("“{name}…”: the file name is longer than {MAX_NAME_CHARS} characters")]
    NameTooLong { name: String },
    #[error("“{name}”: only PDF, JPEG and PNG files are accepted (.pdf, .jpg, .jpeg, .png)")]
    KindNotAllowed { name: String },
    #[error(
        "“{name}”: the content is not a {claimed} file (the first bytes do not match the extension); only PDF, JPEG and PNG files are accepted"
    )]
    ContentMismatch { name: String, claimed: &'static str },
    #[error("“{name}”: the file is empty")]
    Empty { name: String },
    #[error("“{name}”: a file may have at most {limit} bytes")]
    FileTooLarge { name: String, limit: u64 },
    #[error("“{name}”: the files together may have at most {limit} bytes")]
    TotalTooLarge { name: String, limit: u64 },
    #[error("“{name}”: the upload was interrupted")]
    Interrupted { name: String },
}

/// `10 MB`, or the bytes when not a whole number of MB.
pub fn size_label(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} 字节")
    }
}

impl FileError {
    /// Whether the request carried more than the limits allow (HTTP 413).
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::FileTooLarge { .. } | Self::TotalTooLarge { .. })
    }
}

impl Localized for FileError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadName { .. } => "file.name",
            Self::NameTooLong { .. } => "file.name_too_long",
            Self::KindNotAllowed { .. } => "file.kind_not_allowed",
            Self::ContentMismatch { .. } => "file.content_mismatch",
            Self::Empty { .. } => "file.empty",
            Self::FileTooLarge { .. } => "file.too_large",
            Self::TotalTooLarge { .. } => "file.total_too_large",
            Self::Interrupted { .. } => "file.interrupted",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::BadName { name } => format!("文件“{name}”的文件名无效（需有文件名和扩展名）"),
            Self::NameTooLong { name } => {
                format!("文件“{name}…”的文件名超过 {MAX_NAME_CHARS} 个字符")
            }
            Self::KindNotAllowed { name } => format!(
                "文件“{name}”的类型不允许：只接受 PDF、JPEG、PNG 文件（.pdf、.jpg、.jpeg、.png）"
            ),
            Self::ContentMismatch { name, claimed } => format!(
                "文件“{name}”的内容不是 {claimed} 文件（文件头与扩展名不符），只接受 PDF、JPEG、PNG 文件"
            ),
            Self::Empty { name } => format!("文件“{name}”是空文件"),
            Self::FileTooLarge { name, limit } => {
                format!("文件“{name}”超过单个文件大小上限 {}", size_label(*limit))
            }
            Self::TotalTooLarge { name, limit } => format!(
                "添加文件“{name}”后，文件总大小将超过上限 {}",
                size_label(*limit)
            ),
            Self::Interrupted { name } => format!("文件“{name}”上传中断，请重新上传"),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        true
    }
    fn fields(&self) -> Vec<FieldError> {
        vec![FieldError::new("file", self.code(), self.zh(), self.en())]
    }
}

/// The byte limits one upload is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Largest single file.
    pub max_file_bytes: u64,
    /// Largest total of the files kept together (the declaration's attachments, …).
    pub max_total_bytes: u64,
    /// Bytes already kept towards that total.
    pub already: u64,
}

impl UploadLimits {
    /// One file on its own: the file limit is also the total.
    pub fn single(max_file_bytes: u64) -> UploadLimits {
        UploadLimits {
            max_file_bytes,
            max_total_bytes: max_file_bytes,
            already: 0,
        }
    }
}

/// Checks an upload while its bytes stream in: the extension is allowed, the first bytes
/// match it, no limit is crossed (refused as soon as it is, before the rest arrives), and the
/// SHA-256 of everything seen.
#[derive(Debug, Clone)]
pub struct UploadCheck {
    name: FileName,
    claimed: ContentKind,
    limits: UploadLimits,
    size: u64,
    head: Vec<u8>,
    hasher: Sha256,
}

/// An upload that passed every content rule: what is kept about a stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedUpload {
    pub file_name: FileName,
    pub kind: ContentKind,
    pub size: u64,
    pub sha256: ContentAddress,
}

impl UploadCheck {
    /// Starts checking a file.
    ///
    /// # Errors
    /// [`FileError::KindNotAllowed`] for an extension outside the allow-list.
    pub fn new(name: FileName, limits: UploadLimits) -> Result<UploadCheck, FileError> {
        let claimed = ContentKind::from_extension(&name.extension()).ok_or_else(|| {
            FileError::KindNotAllowed {
                name: name.to_string(),
            }
        })?;
        Ok(UploadCheck {
            name,
            claimed,
            limits,
            size: 0,
            head: Vec::with_capacity(SNIFF_LEN),
            hasher: Sha256::new(),
        })
    }

    pub fn file_name(&self) -> &FileName {
        &self.name
    }

    /// Bytes seen so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Takes the next chunk.
    ///
    /// # Errors
    /// A limit is crossed, or the first bytes do not match the extension.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), FileError> {
        let size = self.size.saturating_add(chunk.len() as u64);
        if size > self.limits.max_file_bytes {
            return Err(FileError::FileTooLarge {
                name: self.name.to_string(),
                limit: self.limits.max_file_bytes,
            });
        }
        if self.limits.already.saturating_add(size) > self.limits.max_total_bytes {
            return Err(FileError::TotalTooLarge {
                name: self.name.to_string(),
                limit: self.limits.max_total_bytes,
            });
        }
        if self.head.len() < SNIFF_LEN {
            let take = (SNIFF_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            if self.head.len() == SNIFF_LEN {
                self.sniff()?;
            }
        }
        self.size = size;
        self.hasher.update(chunk);
        Ok(())
    }

    fn sniff(&self) -> Result<(), FileError> {
        if ContentKind::detect(&self.head) == Some(self.claimed) {
            Ok(())
        } else {
            Err(FileError::ContentMismatch {
                name: self.name.to_string(),
                claimed: self.claimed.label(),
            })
        }
    }

    /// The end of the stream.
    ///
    /// # Errors
    /// An empty file, or a short file whose bytes do not match the extension.
    pub fn finish(self) -> Result<CheckedUpload, FileError> {
        if self.size == 0 {
            return Err(FileError::Empty {
                name: self.name.to_string(),
            });
        }
        if self.head.len() < SNIFF_LEN {
            self.sniff()?;
        }
        Ok(CheckedUpload {
            file_name: self.name,
            kind: self.claimed,
            size: self.size,
            sha256: ContentAddress::from_digest(&self.hasher.finalize().into()),
        })
    }
}

/// `Content-Disposition` value for a download: `attachment`, an ASCII fallback name and the
/// UTF-8 name percent-encoded (RFC 6266, RFC 5987 `filename*`).
pub fn content_disposition(name: &FileName) -> String {
    let fallback: String = name
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.as_str().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The body of an upload, chunk by chunk (adapted from the HTTP body by the server).
pub trait ChunkSource: Send {
    type Chunk: AsRef<[u8]> + Send;
    /// The next chunk; `None` at the end; `Err` when the client went away.
    fn next_chunk(&mut self) -> impl Future<Output = Option<Result<Self::Chunk, String>>> + Send;
}

/// Content-addressed storage of uploaded bytes (a directory, an object store). Writing streams
/// chunk by chunk; a blob becomes visible only once committed under the SHA-256 of what was
/// written.
pub trait BlobStore: Send + Sync {
    type Writer: BlobWriter;

    /// Starts writing a new blob (to a temporary place).
    fn writer(&self) -> impl Future<Output = Result<Self::Writer, StoreError>> + Send;

    /// The bytes stored under `address`, if any.
    fn get(
        &self,
        address: &ContentAddress,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    fn exists(
        &self,
        address: &ContentAddress,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// A blob being written.
pub trait BlobWriter: Send {
    fn write(&mut self, chunk: &[u8]) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Makes what was written durable under its SHA-256, which must equal `expected`
    /// (`Unavailable` otherwise, and nothing is kept). Writing the same content twice keeps one
    /// blob.
    fn commit(
        self,
        expected: &ContentAddress,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Discards what was written.
    fn abort(self) -> impl Future<Output = ()> + Send;
}

/// Why [`receive`] stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiveError {
    /// The file broke a rule (nothing was kept).
    File(FileError),
    Store(StoreError),
}

/// Streams `body` through `check` into `blobs`: each chunk is checked before it is written,
/// the upload stops at the first chunk that breaks a rule (the partial blob is discarded), and
/// the blob is made durable under its checked SHA-256 only when the whole file passed.
///
/// # Errors
/// [`ReceiveError::File`] for a refused file or a client that went away; `Store` failures.
pub async fn receive<B: BlobStore, S: ChunkSource>(
    blobs: &B,
    mut check: UploadCheck,
    body: &mut S,
) -> Result<CheckedUpload, ReceiveError> {
    let mut writer = blobs.writer().await.map_err(ReceiveError::Store)?;
    loop {
        let chunk = match body.next_chunk().await {
            None => break,
            Some(Ok(c)) => c,
            Some(Err(_)) => {
                writer.abort().await;
                return Err(ReceiveError::File(FileError::Interrupted {
                    name: check.file_name().to_string(),
                }));
            }
        };
        let bytes = chunk.as_ref();
        if let Err(e) = check.push(bytes) {
            writer.abort().await;
            return Err(ReceiveError::File(e));
        }
        if let Err(e) = writer.write(bytes).await {
            writer.abort().await;
            return Err(ReceiveError::Store(e));
        }
    }
    let checked = match check.finish() {
        Ok(c) => c,
        Err(e) => {
            writer.abort().await;
            return Err(ReceiveError::File(e));
        }
    };
    writer
        .commit(&checked.sha256)
        .await
        .map_err(ReceiveError::Store)?;
    Ok(checked)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn name(s: &str) -> FileName {
        FileName::parse(s).unwrap()
    }

    fn check(n: &str, file: u64) -> UploadCheck {
        UploadCheck::new(name(n), UploadLimits::single(file)).unwrap()
    }

    #[test]
    fn kinds_are_detected_by_magic_bytes() {
        assert_eq!(ContentKind::detect(b"%PDF-1.4\n"), Some(ContentKind::Pdf));
        assert_eq!(
            ContentKind::detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F']),
            Some(ContentKind::Jpeg)
        );
        assert_eq!(ContentKind::detect(PNG_MAGIC), Some(ContentKind::Png));
        assert_eq!(ContentKind::detect(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(ContentKind::detect(b"<svg xmlns="), None);
        assert_eq!(ContentKind::from_extension("JPG"), Some(ContentKind::Jpeg));
        assert_eq!(ContentKind::from_extension("exe"), None);
    }

    #[test]
    fn content_is_checked_across_chunks_and_at_the_end() {
        let mut c = check("scan.png", 100);
        c.push(&PNG_MAGIC[..3]).unwrap();
        c.push(&PNG_MAGIC[3..]).unwrap();
        c.push(b"rest").unwrap();
        let done = c.finish().unwrap();
        let mut all = PNG_MAGIC.to_vec();
        all.extend_from_slice(b"rest");
        assert_eq!((done.kind, done.size), (ContentKind::Png, 12));
        assert_eq!(done.sha256, ContentAddress::of(&all));
        let mut c = check("户口簿.pdf", 100);
        let e = c.push(b"MZ\x90\0\x03\0\0\0\x04\0").unwrap_err();
        assert_eq!(e.code(), "file.content_mismatch");
        assert!(e.zh().contains("户口簿.pdf"));
        assert_eq!(
            check("a.pdf", 100).finish().unwrap_err().code(),
            "file.empty"
        );
        let e = UploadCheck::new(name("a.exe"), UploadLimits::single(100)).unwrap_err();
        assert_eq!(e.code(), "file.kind_not_allowed");
    }

    #[test]
    fn limits_are_enforced_on_the_byte_that_crosses_them() {
        let mut c = check("a.pdf", 10);
        c.push(b"%PDF-1.7\nx").unwrap();
        let e = c.push(b"y").unwrap_err();
        assert!(e.is_too_large());
        assert_eq!(e.code(), "file.too_large");
        let mut c = UploadCheck::new(
            name("a.pdf"),
            UploadLimits {
                max_file_bytes: 50,
                max_total_bytes: 100,
                already: 95,
            },
        )
        .unwrap();
        assert_eq!(
            c.push(b"%PDF-1.7\n").unwrap_err().code(),
            "file.total_too_large"
        );
    }

    #[test]
    fn names_are_sanitised_and_keep_chinese() {
        assert_eq!(name("../../etc/passwd.pdf").as_str(), "passwd.pdf");
        assert_eq!(name("C:\\Users\\张三\\户口簿.PDF").as_str(), "户口簿.PDF");
        assert_eq!(name("evil\u{202E}gpj.pdf").as_str(), "evilgpj.pdf");
        for bad in ["", "..", "/", "noext", "a.", "dir/"] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}.pdf", "长".repeat(MAX_NAME_CHARS));
        assert_eq!(
            FileName::parse(&long).unwrap_err().code(),
            "file.name_too_long"
        );
    }

    #[test]
    fn content_disposition_is_rfc_6266_with_a_utf8_name() {
        let v = content_disposition(&name("学位 证书\"x\".pdf"));
        assert!(v.starts_with("attachment; filename=\""), "{v}");
        assert!(
            v.ends_with("filename*=UTF-8''%E5%AD%A6%E4%BD%8D%20%E8%AF%81%E4%B9%A6%22x%22.pdf"),
            "{v}"
        );
        assert!(v.is_ascii());
    }

    #[test]
    fn content_addresses_parse_only_lower_hex_sha256() {
        let a = ContentAddress::of(b"abc");
        assert_eq!(
            a.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(ContentAddress::parse(a.as_str()), Some(a.clone()));
        assert!(ContentAddress::parse("../etc").is_none());
        assert!(ContentAddress::parse(&a.as_str().to_uppercase()).is_none());
    }
}

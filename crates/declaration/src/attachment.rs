//! Attachments (附件): scanned diplomas, certificates, papers, ID scans added to a draft
//! declaration, one section at a time.
//!
//! The rules of files in general (the allow-list by content with an extension that must agree,
//! safe names, content addresses, the streaming check, the blob port) are the kernel's
//! [`zhicheng_kernel::upload`], re-exported here. This module adds the declaration's: sections,
//! the per-declaration size and count limits ([`UploadCheck`]), who may add or remove (the
//! applicant, while the declaration is a draft) and who may download (the applicant and the
//! organisations the review case has reached, [`CaseTrail`]). No I/O.

use crate::commitment::CommitmentRequired;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::upload::{self, FileError, UploadLimits};
pub use zhicheng_kernel::upload::{
    CheckedUpload, ContentAddress, ContentKind, FileName, MAX_NAME_CHARS, SNIFF_LEN,
    content_disposition,
};
use zhicheng_kernel::{AccountId, DeclarationId, FieldError, Localized, OrgId, Principal, Role};

use crate::{Declaration, DeclarationStatus};

/// Identifier of an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AttachmentId(pub uuid::Uuid);

impl std::fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The declaration section an attachment supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 基本信息 (ID scans)
    Basic,
    /// 学历学位
    Education,
    /// 现任职称
    CurrentTitle,
    /// 工作经历
    WorkHistory,
    /// 工作业绩与成果
    Achievements,
    /// 年度考核 (assessment records)
    Assessments,
    /// 继续教育学时 (certificates of hours)
    ContinuingEducation,
    /// 个人总结
    Summary,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Basic,
        Section::Education,
        Section::CurrentTitle,
        Section::WorkHistory,
        Section::Achievements,
        Section::Assessments,
        Section::ContinuingEducation,
        Section::Summary,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::Basic => "basic",
            Section::Education => "education",
            Section::CurrentTitle => "current_title",
            Section::WorkHistory => "work_history",
            Section::Achievements => "achievements",
            Section::Assessments => "assessments",
            Section::ContinuingEducation => "continuing_education",
            Section::Summary => "summary",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Section::Basic => "基本信息",
            Section::Education => "学历学位",
            Section::CurrentTitle => "现任职称",
            Section::WorkHistory => "工作经历",
            Section::Achievements => "工作业绩与成果",
            Section::Assessments => "年度考核",
            Section::ContinuingEducation => "继续教育学时",
            Section::Summary => "个人总结",
        }
    }

    /// # Errors
    /// [`AddAttachmentError::UnknownSection`].
    pub fn parse(s: &str) -> Result<Section, AddAttachmentError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(AddAttachmentError::UnknownSection)
    }
}

/// Size limits of the upload feature (ASVS 5.2.1, 5.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentPolicy {
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of one declaration's attachments, in bytes.
    pub max_total_bytes: u64,
    /// Most attachments on one declaration.
    pub max_files: usize,
}

impl Default for AttachmentPolicy {
    /// 10 MB per file, 100 MB and 100 files per declaration.
    fn default() -> Self {
        AttachmentPolicy {
            max_file_bytes: 10 * 1024 * 1024,
            max_total_bytes: 100 * 1024 * 1024,
            max_files: 100,
        }
    }
}

/// One stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub declaration_id: DeclarationId,
    pub section: Section,
    pub file_name: FileName,
    pub kind: ContentKind,
    pub size: u64,
    pub sha256: ContentAddress,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: AccountId,
}

/// Why an attachment was refused. Every message about a file names it and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddAttachmentError {
    #[error(transparent)]
    CommitmentRequired(#[from] CommitmentRequired),
    #[error("attachments can only be added to a draft declaration")]
    NotDraft,
    #[error("unknown section")]
    UnknownSection,
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
    #[error("“{name}”: the attachments of one declaration may have at most {limit} bytes in total")]
    TotalTooLarge { name: String, limit: u64 },
    #[error("a declaration may have at most {limit} attachments")]
    TooManyFiles { limit: usize },
    #[error("“{name}”: the upload was interrupted")]
    Interrupted { name: String },
}

impl From<FileError> for AddAttachmentError {
    /// The general file rules, under the attachment codes and texts.
    fn from(e: FileError) -> Self {
        match e {
            FileError::BadName { name } => Self::BadName { name },
            FileError::NameTooLong { name } => Self::NameTooLong { name },
            FileError::KindNotAllowed { name } => Self::KindNotAllowed { name },
            FileError::ContentMismatch { name, claimed } => Self::ContentMismatch { name, claimed },
            FileError::Empty { name } => Self::Empty { name },
            FileError::FileTooLarge { name, limit } => Self::FileTooLarge { name, limit },
            FileError::TotalTooLarge { name, limit } => Self::TotalTooLarge { name, limit },
            FileError::Interrupted { name } => Self::Interrupted { name },
        }
    }
}

impl AddAttachmentError {
    /// Whether the request carried more than the limits allow (HTTP 413).
    pub fn is_too_large(&self) -> bool {
        matches!(self, Self::FileTooLarge { .. } | Self::TotalTooLarge { .. })
    }
}

impl Localized for AddAttachmentError {
    fn code(&self) -> &'static str {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::CODE,
            Self::NotDraft => "attachment.not_draft",
            Self::UnknownSection => "attachment.section",
            Self::BadName { .. } => "attachment.name",
            Self::NameTooLong { .. } => "attachment.name_too_long",
            Self::KindNotAllowed { .. } => "attachment.kind_not_allowed",
            Self::ContentMismatch { .. } => "attachment.content_mismatch",
            Self::Empty { .. } => "attachment.empty",
            Self::FileTooLarge { .. } => "attachment.file_too_large",
            Self::TotalTooLarge { .. } => "attachment.total_too_large",
            Self::TooManyFiles { .. } => "attachment.too_many_files",
            Self::Interrupted { .. } => "attachment.interrupted",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::ZH.into(),
            Self::NotDraft => "申报已提交，不能再增删附件".into(),
            Self::UnknownSection => "请选择附件所属的栏目".into(),
            Self::BadName { name } => format!("文件“{name}”的文件名无效（需有文件名和扩展名）"),
            Self::NameTooLong { name } => {
                format!("文件“{name}…”的文件名超过 {MAX_NAME_CHARS} 个字符")
            }
            Self::KindNotAllowed { name } => {
                format!(
                    "文件“{name}”的类型不允许：只接受 PDF、JPEG、PNG 文件（.pdf、.jpg、.jpeg、.png）"
                )
            }
            Self::ContentMismatch { name, claimed } => format!(
                "文件“{name}”的内容不是 {claimed} 文件（文件头与扩展名不符），只接受 PDF、JPEG、PNG 文件"
            ),
            Self::Empty { name } => format!("文件“{name}”是空文件"),
            Self::FileTooLarge { name, limit } => {
                format!(
                    "文件“{name}”超过单个附件大小上限 {}",
                    upload::size_label(*limit)
                )
            }
            Self::TotalTooLarge { name, limit } => {
                format!(
                    "添加文件“{name}”后，本申报附件总大小将超过上限 {}",
                    upload::size_label(*limit)
                )
            }
            Self::TooManyFiles { limit } => format!("每份申报最多 {limit} 个附件"),
            Self::Interrupted { name } => format!("文件“{name}”上传中断，请重新上传"),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        !matches!(
            self,
            Self::NotDraft | Self::TooManyFiles { .. } | Self::CommitmentRequired(_)
        )
    }
    fn fields(&self) -> Vec<FieldError> {
        let field = match self {
            Self::NotDraft | Self::TooManyFiles { .. } | Self::CommitmentRequired(_) => {
                return Vec::new();
            }
            Self::UnknownSection => "section",
            Self::BadName { .. } | Self::NameTooLong { .. } => "filename",
            _ => "file",
        };
        vec![FieldError::new(field, self.code(), self.zh(), self.en())]
    }
}

/// Why an attachment could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoveAttachmentError {
    #[error(transparent)]
    CommitmentRequired(#[from] CommitmentRequired),
    #[error("attachments of a submitted declaration can no longer be removed")]
    NotDraft,
}

impl Localized for RemoveAttachmentError {
    fn code(&self) -> &'static str {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::CODE,
            Self::NotDraft => "attachment.not_draft",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::ZH.into(),
            Self::NotDraft => "申报已提交，不能再删除附件".into(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// The kernel's [`upload::UploadCheck`] under the declaration's limits: the file limit, the
/// total of the declaration's attachments and their count.
#[derive(Debug, Clone)]
pub struct UploadCheck(upload::UploadCheck);

impl UploadCheck {
    /// Starts checking a file for a declaration that already has `existing` attachments.
    ///
    /// # Errors
    /// [`AddAttachmentError`] for an extension outside the allow-list or a full declaration.
    pub fn new(
        policy: &AttachmentPolicy,
        name: FileName,
        existing: &[Attachment],
    ) -> Result<UploadCheck, AddAttachmentError> {
        let limits = UploadLimits {
            max_file_bytes: policy.max_file_bytes,
            max_total_bytes: policy.max_total_bytes,
            already: existing.iter().map(|a| a.size).sum(),
        };
        let check = upload::UploadCheck::new(name, limits)?;
        if existing.len() >= policy.max_files {
            return Err(AddAttachmentError::TooManyFiles {
                limit: policy.max_files,
            });
        }
        Ok(UploadCheck(check))
    }

    pub fn file_name(&self) -> &FileName {
        self.0.file_name()
    }

    /// Takes the next chunk.
    ///
    /// # Errors
    /// A limit is crossed, or the first bytes do not match the extension.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), AddAttachmentError> {
        Ok(self.0.push(chunk)?)
    }

    /// The end of the stream.
    ///
    /// # Errors
    /// An empty file, or a short file whose bytes do not match the extension.
    pub fn finish(self) -> Result<CheckedUpload, AddAttachmentError> {
        Ok(self.0.finish()?)
    }

    /// The kernel's check, to stream with [`upload::receive`].
    pub fn into_inner(self) -> upload::UploadCheck {
        self.0
    }
}

/// The part of a review case that decides who has seen a declaration: its unit, and the route
/// with the index of the current holder (built by the caller from the review case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTrail {
    pub unit_id: OrgId,
    pub route: Vec<OrgId>,
    pub hop: u32,
}

impl CaseTrail {
    /// Whether the case has reached `org` (the unit, or a hop up to the current holder).
    /// Organisations further up the route have not received it yet.
    pub fn has_reached(&self, org: OrgId) -> bool {
        let upto = (self.hop as usize).saturating_add(1).min(self.route.len());
        org == self.unit_id || self.route[..upto].contains(&org)
    }
}

/// Whether `principal` may change the attachments of `d`: `None` when it is out of their reach
/// (answered as not found), `Some(Err)` when it is theirs but no longer a draft.
pub fn may_change(principal: &Principal, d: &Declaration) -> Option<Result<(), ()>> {
    let own = principal.role == Role::Applicant && principal.person_id == Some(d.person_id);
    own.then_some(if d.status == DeclarationStatus::Draft {
        Ok(())
    } else {
        Err(())
    })
}

/// Whether `principal` may see the attachments of `d`: the applicant, or staff of an
/// organisation the submitted declaration has reached.
pub fn may_read(principal: &Principal, d: &Declaration, case: Option<&CaseTrail>) -> bool {
    match principal.role {
        Role::Applicant => principal.person_id == Some(d.person_id),
        _ => match (principal.org_id, case) {
            (Some(org), Some(c)) => c.has_reached(org),
            _ => false,
        },
    }
}

/// Builds the record of a checked upload, re-checking inside the transaction that the
/// declaration is still a draft and the limits still hold with the attachments stored now.
///
/// # Errors
/// [`AddAttachmentError::NotDraft`], or a limit crossed by a concurrent upload.
#[allow(clippy::too_many_arguments)]
pub fn attach(
    id: AttachmentId,
    d: &Declaration,
    existing: &[Attachment],
    policy: &AttachmentPolicy,
    section: Section,
    upload: &CheckedUpload,
    by: AccountId,
    now: DateTime<Utc>,
) -> Result<Attachment, AddAttachmentError> {
    if d.status != DeclarationStatus::Draft {
        return Err(AddAttachmentError::NotDraft);
    }
    if existing.len() >= policy.max_files {
        return Err(AddAttachmentError::TooManyFiles {
            limit: policy.max_files,
        });
    }
    let total: u64 = existing.iter().map(|a| a.size).sum();
    if total.saturating_add(upload.size) > policy.max_total_bytes {
        return Err(AddAttachmentError::TotalTooLarge {
            name: upload.file_name.to_string(),
            limit: policy.max_total_bytes,
        });
    }
    Ok(Attachment {
        id,
        declaration_id: d.id,
        section,
        file_name: upload.file_name.clone(),
        kind: upload.kind,
        size: upload.size,
        sha256: upload.sha256.clone(),
        uploaded_at: now,
        uploaded_by: by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhicheng_kernel::upload::PNG_MAGIC;

    fn name(s: &str) -> FileName {
        FileName::parse(s).unwrap()
    }

    fn policy(file: u64, total: u64) -> AttachmentPolicy {
        AttachmentPolicy {
            max_file_bytes: file,
            max_total_bytes: total,
            max_files: 3,
        }
    }

    fn pdf(len: usize) -> Vec<u8> {
        let mut v = b"%PDF-1.7\n".to_vec();
        v.resize(len.max(9), b'x');
        v
    }

    fn stored(size: u64) -> Attachment {
        Attachment {
            id: AttachmentId(uuid::Uuid::nil()),
            declaration_id: DeclarationId(uuid::Uuid::nil()),
            section: Section::Education,
            file_name: name("a.pdf"),
            kind: ContentKind::Pdf,
            size,
            sha256: ContentAddress::of(b""),
            uploaded_at: DateTime::<Utc>::from_timestamp(0, 0).unwrap(),
            uploaded_by: AccountId(uuid::Uuid::nil()),
        }
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
        assert_eq!(ContentKind::detect(b"<html><script>"), None);
        assert_eq!(ContentKind::detect(b"<svg xmlns="), None);
        assert_eq!(ContentKind::detect(b"%PD"), None);
        assert_eq!(ContentKind::from_extension("JPG"), Some(ContentKind::Jpeg));
        assert_eq!(ContentKind::from_extension("exe"), None);
    }

    #[test]
    fn a_renamed_exe_is_refused_naming_the_file_and_the_rule() {
        let mut c = UploadCheck::new(&policy(100, 1000), name("论文.pdf"), &[]).unwrap();
        let e = c.push(b"MZ\x90\0\x03\0\0\0\x04\0").unwrap_err();
        assert_eq!(e.code(), "attachment.content_mismatch");
        assert!(
            e.zh().contains("论文.pdf") && e.zh().contains("PDF"),
            "{}",
            e.zh()
        );
        assert!(e.en().contains("论文.pdf"));
        assert!(e.invalid_input());
    }

    #[test]
    fn magic_bytes_split_across_chunks_are_still_checked() {
        let mut c = UploadCheck::new(&policy(100, 1000), name("scan.png"), &[]).unwrap();
        c.push(&PNG_MAGIC[..3]).unwrap();
        c.push(&PNG_MAGIC[3..]).unwrap();
        c.push(b"rest").unwrap();
        let done = c.finish().unwrap();
        assert_eq!((done.kind, done.size), (ContentKind::Png, 12));
        let mut all = PNG_MAGIC.to_vec();
        all.extend_from_slice(b"rest");
        assert_eq!(done.sha256, ContentAddress::of(&all));
        // A jpeg claimed as png is refused once enough bytes arrived.
        let mut c = UploadCheck::new(&policy(100, 1000), name("scan.png"), &[]).unwrap();
        c.push(&[0xFF, 0xD8]).unwrap();
        assert!(c.push(&[0xFF, 0xE0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn short_and_empty_files_are_checked_at_the_end() {
        let c = UploadCheck::new(&policy(100, 1000), name("a.pdf"), &[]).unwrap();
        assert_eq!(c.finish().unwrap_err().code(), "attachment.empty");
        let mut c = UploadCheck::new(&policy(100, 1000), name("a.pdf"), &[]).unwrap();
        c.push(b"%PDF-").unwrap();
        assert!(c.finish().is_ok());
        let mut c = UploadCheck::new(&policy(100, 1000), name("a.pdf"), &[]).unwrap();
        c.push(b"MZ").unwrap();
        assert_eq!(
            c.finish().unwrap_err().code(),
            "attachment.content_mismatch"
        );
    }

    #[test]
    fn extensions_outside_the_allow_list_are_refused_before_any_byte() {
        for n in ["setup.exe", "page.html", "logo.svg", "paper.docx"] {
            let e = UploadCheck::new(&policy(100, 1000), name(n), &[]).unwrap_err();
            assert_eq!(e.code(), "attachment.kind_not_allowed");
            assert!(e.zh().contains(n));
        }
    }

    #[test]
    fn the_file_limit_is_enforced_on_the_byte_that_crosses_it() {
        let body = pdf(11);
        let mut c = UploadCheck::new(&policy(10, 1000), name("a.pdf"), &[]).unwrap();
        c.push(&body[..10]).unwrap();
        let e = c.push(&body[10..]).unwrap_err();
        assert!(e.is_too_large());
        assert_eq!(e.code(), "attachment.file_too_large");
        assert!(e.zh().contains("a.pdf"));
        // Exactly at the limit is fine.
        let mut c = UploadCheck::new(&policy(11, 1000), name("a.pdf"), &[]).unwrap();
        c.push(&body).unwrap();
        assert_eq!(c.finish().unwrap().size, 11);
    }

    #[test]
    fn the_declaration_total_and_file_count_are_enforced() {
        let existing = [stored(60), stored(30)];
        let mut c = UploadCheck::new(&policy(50, 100), name("a.pdf"), &existing).unwrap();
        let e = c.push(&pdf(11)).unwrap_err();
        assert_eq!(e.code(), "attachment.total_too_large");
        assert!(e.is_too_large());
        let full = [stored(1), stored(1), stored(1)];
        let e = UploadCheck::new(&policy(50, 100), name("a.pdf"), &full).unwrap_err();
        assert_eq!(e.code(), "attachment.too_many_files");
    }

    #[test]
    fn names_are_sanitised_and_keep_chinese() {
        assert_eq!(name("../../etc/passwd.pdf").as_str(), "passwd.pdf");
        assert_eq!(
            name("C:\\Users\\张三\\学位证书.PDF").as_str(),
            "学位证书.PDF"
        );
        assert_eq!(name("学位\u{0}证书\n.jpg").as_str(), "学位证书.jpg");
        assert_eq!(name("..hidden.png").as_str(), "hidden.png");
        assert_eq!(name("evil\u{202E}gpj.pdf").as_str(), "evilgpj.pdf");
        assert_eq!(name("scan.JPG").extension(), "jpg");
        for bad in ["", "..", "/", "noext", "a.", "dir/"] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}.pdf", "长".repeat(MAX_NAME_CHARS));
        assert_eq!(
            AddAttachmentError::from(FileName::parse(&long).unwrap_err()).code(),
            "attachment.name_too_long"
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
        assert!(!v[..v.find("filename*").unwrap()].contains('学'));
        assert!(v.is_ascii());
    }

    #[test]
    fn the_trail_covers_the_unit_and_the_hops_reached_so_far() {
        let o = |n: u128| OrgId(uuid::Uuid::from_u128(n));
        let before = CaseTrail {
            unit_id: o(1),
            route: vec![],
            hop: 0,
        };
        assert!(before.has_reached(o(1)) && !before.has_reached(o(2)));
        let mid = CaseTrail {
            unit_id: o(1),
            route: vec![o(1), o(2), o(3)],
            hop: 1,
        };
        assert!(mid.has_reached(o(2)) && !mid.has_reached(o(3)));
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

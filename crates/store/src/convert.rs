//! Conversions between domain aggregates and rows. Stored text is parsed back through the
//! domain's own parsers; a row that no longer parses is reported as `Unavailable`.

use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zhicheng_approval_path::{LinkStatus, PathLink};
use zhicheng_certificate::{Certificate, CertificateNumber, CertificateStatus};
use zhicheng_declaration::plan::PlanTimeZone;
use zhicheng_declaration::{
    Declaration, DeclarationKind, DeclarationStatus, DeclarationVersion, PlanStatus, ReviewPlan,
};
use zhicheng_identity::{
    Account, IdCardNumber, MobileNumber, OrgKind, OrgName, Organisation, PasswordHash,
    PermissionStatus, Person, PersonName, Session, Uscc, Username,
};
use zhicheng_kernel::{Actor, AuditEvent, RegionCode, Role, SeriesCode, StoreError, TitleLevel};
use zhicheng_review_workflow::{CaseAction, CaseHop, CaseStatus, ReviewCase};

use crate::entity::{
    account, audit_event, case_hop, certificate, declaration, declaration_version, name_correction,
    organisation, path_link, person, plan, review_case, session,
};
use zhicheng_identity::correction::{CorrectionStatus, NameCorrection};
use zhicheng_kernel::upload::{CheckedUpload, ContentAddress, ContentKind, FileName};

/// A version-guarded aggregate table: how to turn its rows into domain values and back.
pub trait Aggregate: EntityTrait {
    type Domain: Send;
    const ID: Self::Column;
    const VERSION: Self::Column;
    fn domain(m: Self::Model) -> Result<Self::Domain, StoreError>;
    /// Every column set from the domain value (including its `version`).
    fn active(d: &Self::Domain) -> Self::ActiveModel;
    fn version_of(m: &Self::Model) -> i64;
    fn set_version(m: &mut Self::Model, version: i64);
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(format!("stored {what} does not parse"))
}

fn parse<T, E>(r: Result<T, E>, what: &str) -> Result<T, StoreError> {
    r.map_err(|_| corrupt(what))
}

fn some<T>(o: Option<T>, what: &str) -> Result<T, StoreError> {
    o.ok_or_else(|| corrupt(what))
}

pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

fn from_json<T: DeserializeOwned>(s: &str, what: &str) -> Result<T, StoreError> {
    parse(serde_json::from_str(s), what)
}

fn level(s: &str) -> Result<TitleLevel, StoreError> {
    parse(TitleLevel::parse(s), "title level")
}

fn series(s: &str) -> Result<SeriesCode, StoreError> {
    parse(SeriesCode::parse(s), "series code")
}

impl Aggregate for person::Entity {
    type Domain = Person;
    const ID: person::Column = person::Column::Id;
    const VERSION: person::Column = person::Column::Version;
    fn domain(m: person::Model) -> Result<Person, StoreError> {
        Ok(Person {
            id: m.id.into(),
            id_number: parse(IdCardNumber::parse(&m.id_number), "id number")?,
            name: parse(PersonName::parse(&m.name), "person name")?,
            mobile: parse(MobileNumber::parse(&m.mobile), "mobile number")?,
            ethnicity: m.ethnicity,
            created_at: m.created_at,
            version: m.version,
        })
    }
    fn active(p: &Person) -> person::ActiveModel {
        person::ActiveModel {
            id: Set(p.id.0),
            id_number: Set(p.id_number.as_str().to_owned()),
            name: Set(p.name.as_str().to_owned()),
            mobile: Set(p.mobile.as_str().to_owned()),
            ethnicity: Set(p.ethnicity.clone()),
            created_at: Set(p.created_at),
            version: Set(p.version),
        }
    }
    fn version_of(m: &person::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut person::Model, version: i64) {
        m.version = version;
    }
}

impl Aggregate for organisation::Entity {
    type Domain = Organisation;
    const ID: organisation::Column = organisation::Column::Id;
    const VERSION: organisation::Column = organisation::Column::Version;
    fn domain(m: organisation::Model) -> Result<Organisation, StoreError> {
        Ok(Organisation {
            id: m.id.into(),
            kind: some(OrgKind::parse(&m.kind), "organisation kind")?,
            name: parse(OrgName::parse(&m.name), "organisation name")?,
            uscc: m
                .uscc
                .map(|u| parse(Uscc::parse(&u), "credit code"))
                .transpose()?,
            region: parse(RegionCode::parse(&m.region), "region code")?,
            permission: some(PermissionStatus::parse(&m.permission), "permission status")?,
            permission_note: m.permission_note,
            created_at: m.created_at,
            version: m.version,
        })
    }
    fn active(o: &Organisation) -> organisation::ActiveModel {
        organisation::ActiveModel {
            id: Set(o.id.0),
            kind: Set(o.kind.as_str().to_owned()),
            name: Set(o.name.as_str().to_owned()),
            name_key: Set(o.name.normalised()),
            uscc: Set(o.uscc.as_ref().map(|u| u.as_str().to_owned())),
            region: Set(o.region.to_string()),
            permission: Set(o.permission.as_str().to_owned()),
            permission_note: Set(o.permission_note.clone()),
            created_at: Set(o.created_at),
            version: Set(o.version),
        }
    }
    fn version_of(m: &organisation::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut organisation::Model, version: i64) {
        m.version = version;
    }
}

impl Aggregate for account::Entity {
    type Domain = Account;
    const ID: account::Column = account::Column::Id;
    const VERSION: account::Column = account::Column::Version;
    fn domain(m: account::Model) -> Result<Account, StoreError> {
        Ok(Account {
            id: m.id.into(),
            username: parse(Username::parse(&m.username), "username")?,
            password_hash: PasswordHash(m.password_hash),
            role: some(Role::parse(&m.role), "role")?,
            person_id: m.person_id.map(Into::into),
            org_id: m.org_id.map(Into::into),
            failed_attempts: m.failed_attempts,
            locked_until: m.locked_until,
            display_name: m
                .display_name
                .map(|n| parse(PersonName::parse(&n), "staff name"))
                .transpose()?,
            mobile: m
                .mobile
                .map(|n| parse(MobileNumber::parse(&n), "staff mobile"))
                .transpose()?,
            operator: m.operator,
            disabled: m.disabled,
            must_change_password: m.must_change_password,
            created_at: m.created_at,
            version: m.version,
        })
    }
    fn active(a: &Account) -> account::ActiveModel {
        account::ActiveModel {
            id: Set(a.id.0),
            username: Set(a.username.as_str().to_owned()),
            password_hash: Set(a.password_hash.0.clone()),
            role: Set(a.role.as_str().to_owned()),
            person_id: Set(a.person_id.map(|p| p.0)),
            org_id: Set(a.org_id.map(|o| o.0)),
            failed_attempts: Set(a.failed_attempts),
            locked_until: Set(a.locked_until),
            display_name: Set(a.display_name.as_ref().map(|n| n.as_str().to_owned())),
            mobile: Set(a.mobile.as_ref().map(|m| m.as_str().to_owned())),
            operator: Set(a.operator),
            disabled: Set(a.disabled),
            must_change_password: Set(a.must_change_password),
            created_at: Set(a.created_at),
            version: Set(a.version),
        }
    }
    fn version_of(m: &account::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut account::Model, version: i64) {
        m.version = version;
    }
}

impl Aggregate for name_correction::Entity {
    type Domain = NameCorrection;
    const ID: name_correction::Column = name_correction::Column::Id;
    const VERSION: name_correction::Column = name_correction::Column::Version;
    fn domain(m: name_correction::Model) -> Result<NameCorrection, StoreError> {
        Ok(NameCorrection {
            id: m.id,
            person_id: m.person_id.into(),
            unit_id: m.unit_id.into(),
            old_name: parse(PersonName::parse(&m.old_name), "old name")?,
            new_name: parse(PersonName::parse(&m.new_name), "new name")?,
            reason: m.reason,
            evidence: m.evidence,
            evidence_file: match (
                m.evidence_file_name,
                m.evidence_kind,
                m.evidence_size,
                m.evidence_sha256,
            ) {
                (Some(name), Some(kind), Some(size), Some(sha)) => Some(CheckedUpload {
                    file_name: FileName::from_stored(name),
                    kind: some(ContentKind::parse(&kind), "evidence kind")?,
                    size: u64::try_from(size).map_err(|_| corrupt("evidence size"))?,
                    sha256: some(ContentAddress::parse(&sha), "evidence sha256")?,
                }),
                _ => None,
            },
            status: some(CorrectionStatus::parse(&m.status), "correction status")?,
            decided_by: m.decided_by.map(Into::into),
            decision_note: m.decision_note,
            created_at: m.created_at,
            decided_at: m.decided_at,
            version: m.version,
        })
    }
    fn active(c: &NameCorrection) -> name_correction::ActiveModel {
        name_correction::ActiveModel {
            id: Set(c.id),
            person_id: Set(c.person_id.0),
            unit_id: Set(c.unit_id.0),
            old_name: Set(c.old_name.as_str().to_owned()),
            new_name: Set(c.new_name.as_str().to_owned()),
            reason: Set(c.reason.clone()),
            evidence: Set(c.evidence.clone()),
            evidence_file_name: Set(c
                .evidence_file
                .as_ref()
                .map(|f| f.file_name.as_str().to_owned())),
            evidence_kind: Set(c.evidence_file.as_ref().map(|f| f.kind.as_str().to_owned())),
            evidence_size: Set(c
                .evidence_file
                .as_ref()
                .map(|f| i64::try_from(f.size).unwrap_or(i64::MAX))),
            evidence_sha256: Set(c
                .evidence_file
                .as_ref()
                .map(|f| f.sha256.as_str().to_owned())),
            status: Set(c.status.as_str().to_owned()),
            decided_by: Set(c.decided_by.map(|a| a.0)),
            decision_note: Set(c.decision_note.clone()),
            created_at: Set(c.created_at),
            decided_at: Set(c.decided_at),
            version: Set(c.version),
        }
    }
    fn version_of(m: &name_correction::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut name_correction::Model, version: i64) {
        m.version = version;
    }
}

impl Aggregate for plan::Entity {
    type Domain = ReviewPlan;
    const ID: plan::Column = plan::Column::Id;
    const VERSION: plan::Column = plan::Column::Version;
    fn domain(m: plan::Model) -> Result<ReviewPlan, StoreError> {
        let levels: Vec<String> = from_json(&m.levels, "plan levels")?;
        Ok(ReviewPlan {
            id: m.id.into(),
            year: m.year,
            name: m.name,
            organiser_id: m.organiser_id.into(),
            series: series(&m.series)?,
            levels: levels.iter().map(|l| level(l)).collect::<Result<_, _>>()?,
            window_start: m.window_start,
            window_end: m.window_end,
            report_deadline: m.report_deadline,
            time_zone: parse(PlanTimeZone::parse(&m.time_zone), "plan time zone")?,
            notes: m.notes,
            status: some(PlanStatus::parse(&m.status), "plan status")?,
            created_at: m.created_at,
            version: m.version,
        })
    }
    fn active(p: &ReviewPlan) -> plan::ActiveModel {
        let levels: Vec<&str> = p.levels.iter().map(|l| l.as_str()).collect();
        plan::ActiveModel {
            id: Set(p.id.0),
            year: Set(p.year),
            name: Set(p.name.clone()),
            organiser_id: Set(p.organiser_id.0),
            series: Set(p.series.as_str().to_owned()),
            levels: Set(to_json(&levels)),
            window_start: Set(p.window_start),
            window_end: Set(p.window_end),
            report_deadline: Set(p.report_deadline),
            time_zone: Set(p.time_zone.name().to_owned()),
            notes: Set(p.notes.clone()),
            status: Set(p.status.as_str().to_owned()),
            created_at: Set(p.created_at),
            version: Set(p.version),
        }
    }
    fn version_of(m: &plan::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut plan::Model, version: i64) {
        m.version = version;
    }
}

impl Aggregate for declaration::Entity {
    type Domain = Declaration;
    const ID: declaration::Column = declaration::Column::Id;
    const VERSION: declaration::Column = declaration::Column::Version;
    fn domain(m: declaration::Model) -> Result<Declaration, StoreError> {
        Ok(Declaration {
            id: m.id.into(),
            person_id: m.person_id.into(),
            unit_id: m.unit_id.into(),
            plan_id: m.plan_id.into(),
            year: m.year,
            series: series(&m.series)?,
            level: level(&m.level)?,
            specialty: m.specialty,
            kind: some(DeclarationKind::parse(&m.kind), "declaration kind")?,
            materials: from_json(&m.materials, "materials")?,
            status: some(DeclarationStatus::parse(&m.status), "declaration status")?,
            commitment_version: m.commitment_version,
            created_at: m.created_at,
            submitted_at: m.submitted_at,
            submissions: u32::try_from(m.submissions).unwrap_or(0),
            new_version: None,
            version: m.version,
        })
    }
    fn active(d: &Declaration) -> declaration::ActiveModel {
        declaration::ActiveModel {
            id: Set(d.id.0),
            person_id: Set(d.person_id.0),
            unit_id: Set(d.unit_id.0),
            plan_id: Set(d.plan_id.0),
            year: Set(d.year),
            series: Set(d.series.as_str().to_owned()),
            level: Set(d.level.as_str().to_owned()),
            specialty: Set(d.specialty.clone()),
            kind: Set(d.kind.as_str().to_owned()),
            materials: Set(to_json(&d.materials)),
            status: Set(d.status.as_str().to_owned()),
            commitment_version: Set(d.commitment_version.clone()),
            created_at: Set(d.created_at),
            submitted_at: Set(d.submitted_at),
            submissions: Set(i32::try_from(d.submissions).unwrap_or(i32::MAX)),
            version: Set(d.version),
        }
    }
    fn version_of(m: &declaration::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut declaration::Model, version: i64) {
        m.version = version;
    }
}

impl Aggregate for path_link::Entity {
    type Domain = PathLink;
    const ID: path_link::Column = path_link::Column::Id;
    const VERSION: path_link::Column = path_link::Column::Version;
    fn domain(m: path_link::Model) -> Result<PathLink, StoreError> {
        Ok(PathLink {
            id: m.id.into(),
            org_id: m.org_id.into(),
            series: series(&m.series)?,
            level: level(&m.level)?,
            parent_id: m.parent_id.into(),
            parent_is_receiver: m.parent_is_receiver,
            status: some(LinkStatus::parse(&m.status), "link status")?,
            note: m.note,
            requested_at: m.requested_at,
            decided_at: m.decided_at,
            version: m.version,
        })
    }
    fn active(l: &PathLink) -> path_link::ActiveModel {
        path_link::ActiveModel {
            id: Set(l.id.0),
            org_id: Set(l.org_id.0),
            series: Set(l.series.as_str().to_owned()),
            level: Set(l.level.as_str().to_owned()),
            parent_id: Set(l.parent_id.0),
            parent_is_receiver: Set(l.parent_is_receiver),
            status: Set(l.status.as_str().to_owned()),
            note: Set(l.note.clone()),
            requested_at: Set(l.requested_at),
            decided_at: Set(l.decided_at),
            version: Set(l.version),
        }
    }
    fn version_of(m: &path_link::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut path_link::Model, version: i64) {
        m.version = version;
    }
}

impl Aggregate for review_case::Entity {
    type Domain = ReviewCase;
    const ID: review_case::Column = review_case::Column::Id;
    const VERSION: review_case::Column = review_case::Column::Version;
    fn domain(m: review_case::Model) -> Result<ReviewCase, StoreError> {
        Ok(ReviewCase {
            id: m.id.into(),
            declaration_id: m.declaration_id.into(),
            person_id: m.person_id.into(),
            unit_id: m.unit_id.into(),
            plan_id: m.plan_id.into(),
            year: m.year,
            series: series(&m.series)?,
            level: level(&m.level)?,
            status: some(CaseStatus::parse(&m.status), "case status")?,
            holder_id: m.holder_id.into(),
            held_since: m.held_since,
            route: from_json(&m.route, "route")?,
            hop: parse(u32::try_from(m.hop), "hop")?,
            vote: m.vote.map(|v| from_json(&v, "vote")).transpose()?,
            decision: m.decision.map(|v| from_json(&v, "decision")).transpose()?,
            opened_at: m.opened_at,
            version: m.version,
            new_hops: Vec::new(),
        })
    }
    fn active(c: &ReviewCase) -> review_case::ActiveModel {
        review_case::ActiveModel {
            id: Set(c.id.0),
            declaration_id: Set(c.declaration_id.0),
            person_id: Set(c.person_id.0),
            unit_id: Set(c.unit_id.0),
            plan_id: Set(c.plan_id.0),
            year: Set(c.year),
            series: Set(c.series.as_str().to_owned()),
            level: Set(c.level.as_str().to_owned()),
            status: Set(c.status.as_str().to_owned()),
            holder_id: Set(c.holder_id.0),
            held_since: Set(c.held_since),
            route: Set(to_json(&c.route)),
            hop: Set(i64::from(c.hop)),
            vote: Set(c.vote.as_ref().map(to_json)),
            decision: Set(c.decision.as_ref().map(to_json)),
            opened_at: Set(c.opened_at),
            version: Set(c.version),
        }
    }
    fn version_of(m: &review_case::Model) -> i64 {
        m.version
    }
    fn set_version(m: &mut review_case::Model, version: i64) {
        m.version = version;
    }
}

pub fn certificate_domain(m: certificate::Model) -> Result<Certificate, StoreError> {
    Ok(Certificate {
        id: m.id.into(),
        number: parse(CertificateNumber::parse(&m.number), "certificate number")?,
        case_id: m.case_id.into(),
        declaration_id: m.declaration_id.into(),
        person_id: m.person_id.into(),
        issuer_id: m.issuer_id.into(),
        document: from_json(&m.document, "certificate document")?,
        verification_code: m.verification_code,
        status: some(CertificateStatus::parse(&m.status), "certificate status")?,
        issued_at: m.issued_at,
        version: m.version,
    })
}

pub fn certificate_active(c: &Certificate, scope: &str, seq: u64) -> certificate::ActiveModel {
    certificate::ActiveModel {
        id: Set(c.id.0),
        number: Set(c.number.as_str().to_owned()),
        case_id: Set(c.case_id.0),
        declaration_id: Set(c.declaration_id.0),
        person_id: Set(c.person_id.0),
        issuer_id: Set(c.issuer_id.0),
        year: Set(c.document.payload.year),
        scope: Set(scope.to_owned()),
        seq: Set(i64::try_from(seq).unwrap_or(i64::MAX)),
        document: Set(to_json(&c.document)),
        verification_code: Set(c.verification_code.clone()),
        status: Set(c.status.as_str().to_owned()),
        issued_at: Set(c.issued_at),
        version: Set(c.version),
    }
}

pub fn session_domain(m: session::Model) -> Session {
    Session {
        token_hash: m.token_hash,
        account_id: m.account_id.into(),
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_seen_at: m.last_seen_at.unwrap_or(m.created_at),
    }
}

pub fn session_active(s: &Session) -> session::ActiveModel {
    session::ActiveModel {
        token_hash: Set(s.token_hash.clone()),
        account_id: Set(s.account_id.0),
        created_at: Set(s.created_at),
        expires_at: Set(s.expires_at),
        last_seen_at: Set(Some(s.last_seen_at)),
    }
}

pub fn audit_active(a: &AuditEvent) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        at: Set(a.at),
        actor: Set(a.actor.label()),
        action: Set(a.action.clone()),
        object_type: Set(a.object_type.clone()),
        object_id: Set(a.object_id),
        detail: Set(to_json(&a.detail)),
    }
}

/// The inverse of [`Actor::label`].
pub fn actor_from_label(label: &str) -> Result<Actor, StoreError> {
    if label == "system" {
        return Ok(Actor::System);
    }
    if let Some(id) = label.strip_prefix("account:") {
        return Ok(Actor::Account(
            parse(uuid::Uuid::parse_str(id), "actor")?.into(),
        ));
    }
    match label.strip_prefix("operator:") {
        Some(name) => Ok(Actor::Operator(name.to_owned())),
        None => Err(corrupt("actor")),
    }
}

pub fn audit_domain(m: audit_event::Model) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        at: m.at,
        actor: actor_from_label(&m.actor)?,
        action: m.action,
        object_type: m.object_type,
        object_id: m.object_id,
        detail: from_json(&m.detail, "audit detail")?,
    })
}

pub fn version_active(v: &DeclarationVersion) -> declaration_version::ActiveModel {
    declaration_version::ActiveModel {
        declaration_id: Set(v.declaration_id.0),
        number: Set(i32::try_from(v.number).unwrap_or(i32::MAX)),
        sections: Set(to_json(&v.materials)),
        submitted_at: Set(v.submitted_at),
    }
}

pub fn version_domain(m: declaration_version::Model) -> Result<DeclarationVersion, StoreError> {
    Ok(DeclarationVersion {
        declaration_id: m.declaration_id.into(),
        number: u32::try_from(m.number)
            .map_err(|_| StoreError::Unavailable(format!("bad version number {}", m.number)))?,
        materials: from_json(&m.sections, "declaration version")?,
        submitted_at: m.submitted_at,
    })
}

pub fn hop_active(h: &CaseHop) -> case_hop::ActiveModel {
    case_hop::ActiveModel {
        case_id: Set(h.case_id.0),
        version: Set(h.version),
        ordinal: Set(i32::try_from(h.ordinal).unwrap_or(i32::MAX)),
        at: Set(h.at),
        action: Set(h.action.as_str().to_owned()),
        from_org: Set(h.from_org.map(|o| o.0)),
        to_org: Set(h.to_org.0),
        from_status: Set(h.from_status.map(|s| s.as_str().to_owned())),
        to_status: Set(h.to_status.as_str().to_owned()),
        actor: Set(h.actor.label()),
        opinion: Set(h.opinion.clone()),
    }
}

pub fn hop_domain(m: case_hop::Model) -> Result<CaseHop, StoreError> {
    let status = |s: &str| some(CaseStatus::parse(s), "case status");
    Ok(CaseHop {
        case_id: m.case_id.into(),
        version: m.version,
        ordinal: parse(u32::try_from(m.ordinal), "hop ordinal")?,
        at: m.at,
        action: some(CaseAction::parse(&m.action), "case action")?,
        from_org: m.from_org.map(Into::into),
        to_org: m.to_org.into(),
        from_status: m.from_status.as_deref().map(status).transpose()?,
        to_status: status(&m.to_status)?,
        actor: actor_from_label(&m.actor)?,
        opinion: m.opinion,
    })
}

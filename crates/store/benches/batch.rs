//! Times ONE batch approval (批量通过) and ONE batch report (数据上报) of 10,000 declarations
//! through the real review-workflow services and the database store: SQLite in a file in a
//! temporary directory, WAL and `synchronous=FULL` as in production.
//!
//! ```sh
//! cargo bench -p zhicheng-store --bench batch                    # 10,000 cases, SQLite
//! BATCH_CASES=2000 cargo bench -p zhicheng-store --bench batch    # another size
//! BATCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/zc_bench cargo bench -p zhicheng-store --bench batch
//! ```
//!
//! The PostgreSQL database must exist and be empty (it is migrated). Setup (persons,
//! declarations, submitted cases) is bulk-inserted and not timed. Not part of `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use uuid::Uuid;
use zhicheng_approval_path::PathLink;
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::{
    Catalog, CommitmentAcceptance, CommitmentLetter, Declaration, DeclarationKind, RawMaterials,
    ReviewPlan, commitment,
};
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::{
    Account, OrgKind, OrgName, Organisation, PasswordHash, PermissionStatus, Username,
};
use zhicheng_kernel::{
    AccountId, Actor, AuditEvent, CaseId, Clock, DeclarationId, OrgId, PathLinkId, PersonId,
    PlanId, Principal, RegionCode, Role, SeriesCode, TitleLevel,
};
use zhicheng_review_workflow::ports::BatchOutcome;
use zhicheng_review_workflow::queue::{PageRequest, QueueQuery};
use zhicheng_review_workflow::{CaseStatus, ReviewCase, batch, service};
use zhicheng_store::Store;
use zhicheng_store::entity::{case_hop, declaration, person, review_case};

struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

fn audit(object_type: &str, id: Uuid, action: &str, at: DateTime<Utc>) -> AuditEvent {
    AuditEvent::new(at, Actor::Operator("bench".into()), action, object_type, id)
}

fn org(kind: OrgKind, name: &str, at: DateTime<Utc>) -> Organisation {
    Organisation {
        id: OrgId(Uuid::now_v7()),
        kind,
        name: OrgName::parse(name).unwrap(),
        uscc: None,
        region: RegionCode::parse("371003").unwrap(),
        permission: PermissionStatus::Active,
        permission_note: None,
        created_at: at,
        version: 1,
    }
}

fn staff(username: &str, role: Role, o: OrgId, at: DateTime<Utc>) -> Account {
    Account {
        id: AccountId(Uuid::now_v7()),
        username: Username::parse(username).unwrap(),
        password_hash: PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        role,
        person_id: None,
        org_id: Some(o),
        failed_attempts: 0,
        locked_until: None,
        display_name: None,
        mobile: None,
        operator: false,
        disabled: false,
        must_change_password: false,
        created_at: at,
        version: 1,
    }
}

/// A valid, distinct ID number per `n` (birth day and sequence vary).
fn id_number(n: usize) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
        + chrono::Duration::days(i64::try_from(n / 1000).unwrap());
    let first17 = format!("371003{}{:03}", day.format("%Y%m%d"), n % 1000);
    let k = zhicheng_identity::id_card::check_char(first17.as_bytes());
    format!("{first17}{}", char::from(k))
}

const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
const GIVEN: [&str; 8] = ["芳", "伟", "娜", "强", "静", "磊", "敏", "洋"];

/// Bulk-inserts `n` persons with submitted declarations and their open cases (one
/// transaction, chunked statements); returns the case ids.
async fn seed_cases(
    store: &Store,
    n: usize,
    unit: &Organisation,
    plan: &ReviewPlan,
    at: DateTime<Utc>,
) -> Vec<CaseId> {
    let mut persons = Vec::with_capacity(n);
    let mut declarations = Vec::with_capacity(n);
    let mut cases = Vec::with_capacity(n);
    let mut hops = Vec::with_capacity(n);
    let letter = CommitmentLetter::builtin();
    let materials = RawMaterials::example().parse(Catalog::builtin()).unwrap();
    for i in 0..n {
        let pid = PersonId(Uuid::now_v7());
        let name = format!("{}{}{}", SURNAMES[i % 8], GIVEN[(i / 8) % 8], GIVEN[i % 7]);
        persons.push(person::ActiveModel {
            id: Set(pid.0),
            id_number: Set(id_number(i)),
            name: Set(name),
            mobile: Set(format!("138{:08}", i)),
            ethnicity: Set(None),
            created_at: Set(at),
            version: Set(1),
        });
        let accepted = CommitmentAcceptance {
            person_id: pid,
            letter_version: commitment::BUILTIN_VERSION.into(),
            accepted_at: at,
        };
        let materials = materials.clone();
        let mut d = Declaration::draft(
            DeclarationId(Uuid::now_v7()),
            pid,
            unit,
            plan,
            TitleLevel::Intermediate,
            "电气工程",
            DeclarationKind::Normal,
            materials,
            Some(&accepted),
            &letter,
            Catalog::builtin(),
            at,
        )
        .unwrap();
        d.submit(at, plan).unwrap();
        let mut c = ReviewCase::open(CaseId(Uuid::now_v7()), &d, Actor::System, at);
        for h in c.take_hops() {
            hops.push(case_hop::ActiveModel {
                case_id: Set(h.case_id.0),
                version: Set(h.version),
                ordinal: Set(i32::try_from(h.ordinal).unwrap()),
                at: Set(h.at),
                action: Set(h.action.as_str().into()),
                from_org: Set(h.from_org.map(|o| o.0)),
                to_org: Set(h.to_org.0),
                from_status: Set(h.from_status.map(|s| s.as_str().into())),
                to_status: Set(h.to_status.as_str().into()),
                actor: Set(h.actor.label()),
                opinion: Set(h.opinion),
            });
        }
        declarations.push(declaration::ActiveModel {
            id: Set(d.id.0),
            person_id: Set(d.person_id.0),
            unit_id: Set(d.unit_id.0),
            plan_id: Set(d.plan_id.0),
            year: Set(d.year),
            series: Set(d.series.as_str().into()),
            level: Set(d.level.as_str().into()),
            specialty: Set(d.specialty.clone()),
            kind: Set(d.kind.as_str().into()),
            submissions: Set(1),
            materials: Set(serde_json::to_string(&d.materials).unwrap()),
            status: Set(d.status.as_str().into()),
            commitment_version: Set(d.commitment_version.clone()),
            created_at: Set(d.created_at),
            submitted_at: Set(d.submitted_at),
            version: Set(2),
        });
        cases.push(review_case::ActiveModel {
            id: Set(c.id.0),
            declaration_id: Set(c.declaration_id.0),
            person_id: Set(c.person_id.0),
            unit_id: Set(c.unit_id.0),
            plan_id: Set(c.plan_id.0),
            year: Set(c.year),
            series: Set(c.series.as_str().into()),
            level: Set(c.level.as_str().into()),
            status: Set(c.status.as_str().into()),
            holder_id: Set(c.holder_id.0),
            held_since: Set(c.held_since),
            route: Set("[]".into()),
            hop: Set(0),
            vote: Set(None),
            decision: Set(None),
            opened_at: Set(c.opened_at),
            version: Set(c.version),
        });
    }
    let ids = cases
        .iter()
        .map(|c| CaseId(*c.id.as_ref()))
        .collect::<Vec<_>>();
    let txn = store.connection().begin().await.unwrap();
    for chunk in persons.chunks(1000) {
        person::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    for chunk in declarations.chunks(1000) {
        declaration::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    for chunk in cases.chunks(1000) {
        review_case::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    for chunk in hops.chunks(1000) {
        case_hop::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    if store.backend_name() == "postgres" {
        // Statistics as autovacuum would have them for a table that grew over a season.
        store
            .connection()
            .execute_unprepared("ANALYZE")
            .await
            .unwrap();
    }
    ids
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (Linux; clock
/// ticks of 10 ms), or `None` elsewhere. Wall time on a shared machine depends on what else
/// runs; CPU time much less.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Wall and CPU time of `f`.
async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Duration, Option<Duration>) {
    let (t, c) = (Instant::now(), cpu_time());
    let out = f.await;
    let cpu = c.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
    (out, t.elapsed(), cpu)
}

fn both(wall: Duration, cpu: Option<Duration>) -> String {
    match cpu {
        Some(c) => format!("{} (CPU {})", ms(wall), ms(c)),
        None => ms(wall),
    }
}

fn main() {
    let n: usize = std::env::var("BATCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(n));
}

async fn run(n: usize) {
    let dir = std::env::temp_dir().join(format!("zc-bench-{}", Uuid::now_v7().simple()));
    let url = std::env::var("BATCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| format!("sqlite://{}/zhicheng.db", dir.display()));
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    println!(
        "batch bench: {n} cases on {} ({})",
        store.backend_name(),
        if url.starts_with("sqlite") {
            "file in a temp dir, WAL, synchronous=FULL"
        } else {
            "PostgreSQL"
        }
    );

    let at = Utc::now();
    let clock = FixedClock(at);
    let bureau = org(OrgKind::HrBureau, "威海市文登区人力资源和社会保障局", at);
    let unit = org(OrgKind::EmployerUnit, "威海市文登区人民医院", at);
    let unit_staff = staff("bench_unit", Role::UnitAdmin, unit.id, at);
    for (o, a) in [
        (&bureau, staff("bench_hrss", Role::HrBureau, bureau.id, at)),
        (&unit, unit_staff.clone()),
    ] {
        store
            .create_org(o, &a, &audit("organisation", o.id.0, "org.created", at))
            .await
            .unwrap();
    }
    let eng = SeriesCode::parse("ENG").unwrap();
    let mut plan = ReviewPlan::new(
        PlanId(Uuid::now_v7()),
        bureau.id,
        2026,
        "2026年度工程技术人员职称评审",
        eng.clone(),
        vec![TitleLevel::Intermediate],
        at - chrono::Duration::days(1),
        at + chrono::Duration::days(30),
        at,
        Catalog::builtin(),
    )
    .unwrap();
    plan.open().unwrap();
    store
        .create_plan(&plan, &audit("plan", plan.id.0, "plan.created", at))
        .await
        .unwrap();
    let mut link = PathLink::request(
        PathLinkId(Uuid::now_v7()),
        &unit,
        eng.clone(),
        TitleLevel::Intermediate,
        &bureau,
        at,
    )
    .unwrap();
    link.decide(bureau.id, true, None, at).unwrap();
    store
        .create_link(&link, &audit("path_link", link.id.0, "path.approved", at))
        .await
        .unwrap();

    let t = Instant::now();
    let ids = seed_cases(&store, n, &unit, &plan, at).await;
    println!("setup (bulk insert, not the figure): {}", ms(t.elapsed()));

    let principal = Principal {
        account_id: unit_staff.id,
        role: Role::UnitAdmin,
        person_id: None,
        org_id: Some(unit.id),
    };

    let (out, approve, approve_cpu) = timed(batch::approve_batch(
        &store,
        &clock,
        &principal,
        &ids,
        Some("bench-approve"),
    ))
    .await;
    assert!(matches!(&out, Ok(BatchOutcome::Done(v)) if v.len() == n));

    let (out, report, report_cpu) = timed(batch::report_batch(
        &store,
        &store,
        &clock,
        &principal,
        eng.clone(),
        TitleLevel::Intermediate,
        &ids,
        Some("bench-report"),
    ))
    .await;
    assert!(
        matches!(&out, Ok(BatchOutcome::Done(v)) if v.len() == n && v.iter().all(|c| c.status == CaseStatus::PendingAcceptance))
    );

    let (again, replay, _) = timed(batch::report_batch(
        &store,
        &store,
        &clock,
        &principal,
        eng.clone(),
        TitleLevel::Intermediate,
        &ids,
        Some("bench-report"),
    ))
    .await;
    assert!(matches!(again, Ok(BatchOutcome::Replayed(v)) if v.len() == n));

    // The bureau's queue now holds all of them: the first page with its counts.
    let bureau_principal = Principal {
        account_id: AccountId(Uuid::now_v7()),
        role: Role::HrBureau,
        person_id: None,
        org_id: Some(bureau.id),
    };
    let query = QueueQuery {
        page: PageRequest::first(50),
        ..QueueQuery::default()
    };
    let t = Instant::now();
    let page = service::queue(&store, &bureau_principal, &query)
        .await
        .unwrap();
    let first_page = t.elapsed();
    assert_eq!((page.rows.len(), page.total()), (50.min(n), n as u64));

    println!("batch approve, {n} cases: {}", both(approve, approve_cpu));
    println!("batch report,  {n} cases: {}", both(report, report_cpu));
    println!(
        "batch report replayed (same Idempotency-Key): {}",
        ms(replay)
    );
    println!(
        "receiver's queue, first page of 50 with counts over {n}: {}",
        ms(first_page)
    );
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!(
            "load average (1/5/15 min): {}",
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

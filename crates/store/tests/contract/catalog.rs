//! Contract of the catalog versions and the commitment letters of `DeclarationRepo` on the
//! three back ends.

use zhicheng_declaration::commitment::LetterError;
use zhicheng_declaration::{CatalogImportError, ImportLine};

use super::*;

on_every_backend!(catalog_contract, letter_contract);

async fn letter_contract<R: DeclarationRepo + Audited>(r: &R) {
    let letter_audit = || {
        audit(
            "commitment_letter",
            Uuid::from_u128(8),
            "commitment.published",
        )
    };
    let v1 = r.current_letter().await.unwrap();
    assert_eq!(v1, CommitmentLetter::builtin());

    // A person accepts v1; an operator publishes v2: it is in force, the acceptance is not of it.
    let p = PersonId(id());
    r.accept_commitment(
        &acceptance(p, now()),
        &audit("person", p.0, "commitment.accepted"),
    )
    .await
    .unwrap();
    let v2 = r
        .publish_letter(|c| {
            Ok::<_, LetterError>((c.next(None, "第二版承诺内容", now())?, letter_audit()))
        })
        .await
        .unwrap();
    assert_eq!(v2.seq, 2);
    let current = r.current_letter().await.unwrap();
    assert_eq!(current, v2);
    assert_eq!(current.body, "第二版承诺内容");
    assert!(r.get_commitment(p, &v2.version).await.unwrap().is_none());
    assert!(r.get_commitment(p, &v1.version).await.unwrap().is_some());

    // A refused text writes nothing; a taken number is a conflict.
    let same = r
        .publish_letter(|c| {
            Ok::<_, LetterError>((c.next(None, "第二版承诺内容", now())?, letter_audit()))
        })
        .await;
    assert!(matches!(
        same,
        Err(TxError::Rejected(LetterError::Unchanged(_)))
    ));
    let stale = r
        .publish_letter(|c| {
            let mut next = c.next(None, "第三版", now())?;
            next.seq = 2;
            Ok::<_, LetterError>((next, letter_audit()))
        })
        .await;
    assert!(matches!(stale, Err(TxError::Store(StoreError::Conflict))));
    assert_eq!(r.current_letter().await.unwrap(), v2);
    assert_eq!(r.audit(Uuid::from_u128(8)).await.len(), 1);
}

fn lines(rows: &[&[&str]]) -> Vec<ImportLine> {
    rows.iter()
        .enumerate()
        .map(|(i, cells)| ImportLine::new(i + 1, cells.iter().map(|c| (*c).to_owned()).collect()))
        .collect()
}

fn catalog_audit(version: u32) -> AuditEvent {
    audit(
        "catalog",
        Uuid::from_u128(7),
        &format!("catalog.imported.{version}"),
    )
}

async fn catalog_contract<R: DeclarationRepo + Audited>(r: &R) {
    let eng = eng();
    // Nothing imported: the built-in version 1 is current.
    let c1 = r.current_catalog().await.unwrap();
    assert_eq!(c1.version, 1);
    assert_eq!(c1.as_ref(), Catalog::builtin());

    // An import makes version 2 with its audit row; it is current from then on.
    let file = lines(&[&["ENG", "工程技术人员", "SHIPBUILD", "船舶制造"]]);
    let c2 = r
        .import_catalog(|c| {
            let (next, _) = c.import("a.csv", &file, now())?;
            Ok::<_, CatalogImportError>((next.clone(), catalog_audit(next.version)))
        })
        .await
        .unwrap();
    assert_eq!(c2.version, 2);
    let current = r.current_catalog().await.unwrap();
    assert_eq!(current.as_ref(), &c2);
    assert_eq!(
        current.specialty(&eng, "SHIPBUILD").unwrap().name,
        "船舶制造"
    );
    assert_eq!(current.source, "a.csv");
    assert!(current.published_at.is_some());

    // A refused import writes nothing (no version, no audit row).
    let bad = lines(&[&["ENG", "错误的名称", "X", "某专业"]]);
    let refused = r
        .import_catalog(|c| {
            let (next, _) = c.import("b.csv", &bad, now())?;
            Ok::<_, CatalogImportError>((next.clone(), catalog_audit(next.version)))
        })
        .await;
    assert!(matches!(
        refused,
        Err(TxError::Rejected(CatalogImportError::Lines(_)))
    ));
    assert_eq!(r.current_catalog().await.unwrap().version, 2);

    // The next import builds on version 2 (its specialty is still there).
    let more = lines(&[&["HEALTH", "卫生技术人员", "GERIATRICS", "老年医学"]]);
    let c3 = r
        .import_catalog(|c| {
            let (next, _) = c.import("c.xlsx", &more, now())?;
            Ok::<_, CatalogImportError>((next.clone(), catalog_audit(next.version)))
        })
        .await
        .unwrap();
    assert_eq!(c3.version, 3);
    let current = r.current_catalog().await.unwrap();
    assert!(current.specialty(&eng, "SHIPBUILD").is_some());
    assert!(
        current
            .specialty(&SeriesCode::parse("HEALTH").unwrap(), "老年医学")
            .is_some()
    );

    // A version whose number is taken (another import got there first) is a conflict.
    let stale = r
        .import_catalog(|c| {
            let mut next = c.clone();
            next.version = 3;
            Ok::<_, CatalogImportError>((next, catalog_audit(99)))
        })
        .await;
    assert!(matches!(stale, Err(TxError::Store(StoreError::Conflict))));
    assert_eq!(r.current_catalog().await.unwrap().as_ref(), &c3);
    assert_eq!(r.audit(Uuid::from_u128(7)).await.len(), 2);
}

//! Contract of `AttachmentRepo` on the three back ends, and of the blob stores.

use zhicheng_declaration::ports::{AttachmentRepo, BlobStore, BlobWriter};
use zhicheng_declaration::{
    Attachment, AttachmentId, ContentAddress, ContentKind, FileName, Section,
};
use zhicheng_store::{LocalBlobStore, MemoryBlobStore};

use super::*;

on_every_backend!(attachment_contract);

fn attachment(d: DeclarationId, name: &str, size: u64, at: DateTime<Utc>) -> Attachment {
    Attachment {
        id: AttachmentId(id()),
        declaration_id: d,
        section: Section::Education,
        file_name: FileName::parse(name).unwrap(),
        kind: ContentKind::Pdf,
        size,
        sha256: ContentAddress::of(name.as_bytes()),
        uploaded_at: at,
        uploaded_by: AccountId(id()),
    }
}

async fn attachment_contract<R>(r: &R)
where
    R: IdentityRepo + DeclarationRepo + ReviewRepo + AttachmentRepo + Audited,
{
    let t0 = now();
    let n = unique_n();
    let unit = org(OrgKind::EmployerUnit, "文登区人民医院", "371003");
    r.create_org(
        &unit,
        &account(&format!("attunit{n}"), Role::UnitAdmin, None, Some(unit.id)),
        &audit("organisation", unit.id.0, "org.created"),
    )
    .await
    .unwrap();
    let plan = open_plan(2026, OrgId(id()), t0);
    r.create_plan(&plan, &audit("plan", plan.id.0, "plan.created"))
        .await
        .unwrap();
    let app = applicant(r, n, &format!("att{n}"), &unit, &plan, t0).await;
    let d = app.declaration.id;

    // Add: the closure sees the declaration and the attachments so far; the version moves.
    let a1 = attachment(d, "学位证书.pdf", 100, t0);
    let got = r
        .add_attachment(d, |decl, existing| {
            assert_eq!((decl.id, existing.len()), (d, 0));
            Ok::<_, ()>((a1.clone(), audit("declaration", d.0, "attachment.added")))
        })
        .await
        .unwrap();
    assert_eq!(got, a1);
    assert_eq!(r.get_attachment(a1.id).await.unwrap(), Some(a1.clone()));
    assert_eq!(r.get_declaration(d).await.unwrap().unwrap().version, 2);
    let a2 = attachment(d, "身份证.pdf", 50, t0 + Duration::seconds(1));
    r.add_attachment(d, |_, existing| {
        assert_eq!(existing, std::slice::from_ref(&a1));
        Ok::<_, ()>((a2.clone(), audit("declaration", d.0, "attachment.added")))
    })
    .await
    .unwrap();
    assert_eq!(
        r.list_attachments(d).await.unwrap(),
        vec![a1.clone(), a2.clone()]
    );

    // A refused closure writes nothing.
    let r3 = r
        .add_attachment(d, |_, _| Err::<(Attachment, AuditEvent), _>("no"))
        .await;
    assert!(matches!(r3, Err(TxError::Rejected("no"))));
    assert_eq!(r.list_attachments(d).await.unwrap().len(), 2);
    assert_eq!(r.get_declaration(d).await.unwrap().unwrap().version, 3);
    let unknown = r
        .add_attachment(DeclarationId(id()), |_, _| {
            Ok::<_, ()>((a1.clone(), audit("declaration", d.0, "x")))
        })
        .await;
    is_not_found(unknown);

    // Remove.
    let removed = r
        .remove_attachment(a1.id, |decl, a| {
            assert_eq!((decl.id, a.id), (d, a1.id));
            Ok::<_, ()>(audit("declaration", d.0, "attachment.removed"))
        })
        .await
        .unwrap();
    assert_eq!(removed, a1);
    assert_eq!(r.get_attachment(a1.id).await.unwrap(), None);
    assert_eq!(r.list_attachments(d).await.unwrap(), vec![a2.clone()]);
    assert_eq!(r.get_declaration(d).await.unwrap().unwrap().version, 4);
    let refused = r
        .remove_attachment(a2.id, |_, _| Err::<AuditEvent, _>("kept"))
        .await;
    assert!(matches!(refused, Err(TxError::Rejected("kept"))));
    assert_eq!(r.list_attachments(d).await.unwrap().len(), 1);
    is_not_found(
        r.remove_attachment(a1.id, |_, _| Ok::<_, ()>(audit("declaration", d.0, "x")))
            .await,
    );
    let actions: Vec<String> = r
        .audit(d.0)
        .await
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("attachment."))
        .collect();
    assert_eq!(
        actions,
        ["attachment.added", "attachment.added", "attachment.removed"]
    );

    // Two overlapping adds: each either lands or is a Conflict; never lost silently.
    let (x, y) = (
        attachment(d, "x.pdf", 1, t0 + Duration::seconds(2)),
        attachment(d, "y.pdf", 1, t0 + Duration::seconds(3)),
    );
    let (rx, ry) = tokio::join!(
        r.add_attachment(d, |_, _| Ok::<_, ()>((
            x.clone(),
            audit("declaration", d.0, "a")
        ))),
        r.add_attachment(d, |_, _| Ok::<_, ()>((
            y.clone(),
            audit("declaration", d.0, "a")
        ))),
    );
    let ok = successes([rx, ry]);
    assert_eq!(r.list_attachments(d).await.unwrap().len() as i64, 1 + ok);

    // The case trail appears with submission.
    assert_eq!(r.case_trail(d).await.unwrap(), None);
    submit(r, d, &plan, t0 + Duration::seconds(5))
        .await
        .unwrap();
    let trail = r.case_trail(d).await.unwrap().unwrap();
    assert_eq!((trail.unit_id, trail.route.len()), (unit.id, 0));
}

async fn blob_contract<B: BlobStore>(b: &B) {
    let content = b"%PDF-1.7 hello".repeat(1000);
    let address = ContentAddress::of(&content);
    assert!(!b.exists(&address).await.unwrap());
    let mut w = b.writer().await.unwrap();
    for chunk in content.chunks(4096) {
        w.write(chunk).await.unwrap();
    }
    w.commit(&address).await.unwrap();
    assert!(b.exists(&address).await.unwrap());
    assert_eq!(b.get(&address).await.unwrap(), Some(content.clone()));
    // The same content again keeps one blob.
    let mut w = b.writer().await.unwrap();
    w.write(&content).await.unwrap();
    w.commit(&address).await.unwrap();
    // A wrong expected hash is refused and nothing is stored under either address.
    let other = b"other".to_vec();
    let mut w = b.writer().await.unwrap();
    w.write(&other).await.unwrap();
    assert!(w.commit(&address_of_nothing()).await.is_err());
    assert!(!b.exists(&ContentAddress::of(&other)).await.unwrap());
    assert!(!b.exists(&address_of_nothing()).await.unwrap());
    // Aborted writes leave nothing.
    let mut w = b.writer().await.unwrap();
    w.write(&other).await.unwrap();
    w.abort().await;
    assert!(!b.exists(&ContentAddress::of(&other)).await.unwrap());
    assert_eq!(b.get(&ContentAddress::of(&other)).await.unwrap(), None);
}

fn address_of_nothing() -> ContentAddress {
    ContentAddress::of(b"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_blob_store_keeps_blobs_by_content() {
    let b = MemoryBlobStore::new();
    blob_contract(&b).await;
    assert_eq!(b.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_blob_store_keeps_blobs_by_content_under_its_root() {
    let tmp = TempSqlite::new();
    let b = LocalBlobStore::new(tmp.dir.join("blobs"));
    blob_contract(&b).await;
    let content = b"%PDF-1.7 hello".repeat(1000);
    let address = ContentAddress::of(&content);
    let s = address.as_str();
    let path = tmp.dir.join("blobs").join(&s[..2]).join(&s[2..]);
    assert_eq!(b.path_of(&address), path);
    assert_eq!(std::fs::read(&path).unwrap(), content);
    // No temporary files are left behind.
    let left: Vec<_> = std::fs::read_dir(tmp.dir.join("blobs/tmp"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A corrupted blob is reported, not served.
    std::fs::write(&path, b"tampered").unwrap();
    assert!(b.get(&address).await.is_err());
}

//! Administration from the command line, on the server's stores (works while the server runs):
//! organizations, credit grants, listing and revoking keys.

use crate::cli::DataDir;
use plansift_store::MetaStore;

async fn org_named(meta: &dyn MetaStore, name: &str) -> anyhow::Result<plansift_store::OrgRow> {
    meta.org_by_name(name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organization named {name:?}"))
}

/// `plansift orgs create NAME`: prints the new organization's id.
pub async fn create_org(data: DataDir, name: String) -> anyhow::Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 180 {
        anyhow::bail!("the name must be 1-180 characters");
    }
    let meta = data.meta().await?;
    let org = meta.create_org(name).await?;
    println!("{}", org.id);
    Ok(())
}

/// `plansift credits grant --org NAME AMOUNT`: prints the balance after.
pub async fn grant(
    data: DataDir,
    org: String,
    amount: i64,
    note: Option<String>,
) -> anyhow::Result<()> {
    if amount == 0 {
        anyhow::bail!("the amount must not be zero");
    }
    let meta = data.meta().await?;
    let org = org_named(meta.as_ref(), &org).await?;
    let (_, balance) = meta.grant(&org.id, amount, note.as_deref()).await?;
    println!(
        "available {} reserved {}",
        balance.available, balance.reserved
    );
    Ok(())
}

/// `plansift keys list [--org NAME]`: one line a key.
pub async fn list_keys(data: DataDir, org: String) -> anyhow::Result<()> {
    let meta = data.meta().await?;
    let org = org_named(meta.as_ref(), &org).await?;
    let fmt = |t: &Option<plansift_types::time::Timestamp>| {
        t.as_ref()
            .map(plansift_types::time::format)
            .unwrap_or_else(|| "-".into())
    };
    println!("id\tprefix\tlabel\tscopes\tcreated\tlast used\trevoked");
    for k in meta.keys(&org.id).await? {
        let scopes: Vec<&str> = k.scopes.iter().map(|s| s.as_str()).collect();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            k.id,
            k.key_prefix,
            k.label,
            scopes.join(","),
            plansift_types::time::format(&k.created_at),
            fmt(&k.last_used_at),
            fmt(&k.revoked_at)
        );
    }
    Ok(())
}

/// `plansift keys revoke KEY_ID`.
pub async fn revoke_key(data: DataDir, key_id: String) -> anyhow::Result<()> {
    let meta = data.meta().await?;
    match meta.revoke_key(&key_id).await {
        Ok(_) => {
            println!("revoked {key_id}");
            Ok(())
        }
        Err(plansift_store::StoreError::NotFound) => anyhow::bail!("no key {key_id:?}"),
        Err(e) => Err(e.into()),
    }
}

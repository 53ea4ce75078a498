//! The [`ApiKeyStore`] check: mint, insert, verify, list and revoke, per tenant
//! ([RFC 7644 §2](https://www.rfc-editor.org/rfc/rfc7644#section-2): bearer tokens,
//! [RFC 6750](https://www.rfc-editor.org/rfc/rfc6750)).

use super::failure::{Outcome, Step, ensure};
use super::{Failure, KeyStoreFactory};
use crate::auth::{ApiKeyStore, KeyInfo, Secret, TenantId};
use crate::backend::BackendErrorKind;

/// Checks a key store from `factory` (check `key_store`): a minted key verifies as its tenant
/// and a wrong or altered secret does not; a tenant may hold several live keys, listed oldest
/// first; a tenant lists and revokes only its own keys; a revoked key is refused at once and
/// the others keep working; what a store shows (its [`KeyInfo`]) never contains a secret; and
/// `insert_known` is idempotent for one tenant and a 409 `uniqueness` for another.
pub async fn check_key_store<F: KeyStoreFactory + ?Sized>(factory: &F) -> Result<(), Failure> {
    let run = async {
        let store = factory.key_store().await;
        mint_and_verify(&*store).await?;
        let store = factory.key_store().await;
        tenants_and_revocation(&*store).await?;
        let store = factory.key_store().await;
        insert_known(&*store).await
    };
    run.await.map_err(|e| Failure::new("key_store", e))
}

async fn verifies_as(store: &dyn ApiKeyStore, secret: &Secret, info: &KeyInfo) -> Outcome {
    let got = store.verify(secret.expose()).await.step("verify")?;
    ensure!(
        got.as_ref()
            .is_some_and(|g| g.id == info.id && g.tenant == info.tenant),
        "verify of the secret of key {} ({}) gave {got:?}",
        info.id,
        info.tenant
    );
    Ok(())
}

async fn refused(store: &dyn ApiKeyStore, secret: &str, what: &str) -> Outcome {
    let got = store.verify(secret).await.step("verify")?;
    ensure!(got.is_none(), "verify accepted {what}: {got:?}");
    Ok(())
}

/// Nothing a store shows about a key (its JSON, its Debug) contains the secret.
fn no_secret_in(infos: &[KeyInfo], secret: &Secret) -> Outcome {
    let shown = format!(
        "{}{infos:?}",
        serde_json::to_string(infos).step("KeyInfo as JSON")?
    );
    let whole = secret.expose();
    // a minted secret reads `<prefix><key id>.<random>`: the random part must not show either
    let random = whole.rsplit_once('.').map_or(whole, |(_, r)| r);
    ensure!(
        !shown.contains(whole) && !shown.contains(random),
        "a key's info shows its secret: {shown}"
    );
    Ok(())
}

/// The ids of the keys `tenant` lists.
async fn key_ids(store: &dyn ApiKeyStore, tenant: &TenantId) -> Outcome<Vec<String>> {
    let keys = store.list(tenant).await.step("list")?;
    Ok(keys.into_iter().map(|k| k.id).collect())
}

async fn mint_and_verify(store: &dyn ApiKeyStore) -> Outcome {
    let a = TenantId::new("kit-tenant-a");
    let (info, secret) = store
        .mint(&a, Some("Entra production"))
        .await
        .step("mint")?;
    ensure!(
        info.tenant == a,
        "a key minted for {a} belongs to {}",
        info.tenant
    );
    ensure!(
        info.label.as_deref() == Some("Entra production"),
        "the minted key's label is {:?}",
        info.label
    );
    ensure!(
        info.last_used.is_none(),
        "a key never used has lastUsed {:?}",
        info.last_used
    );
    ensure!(
        secret.expose().len() >= 32,
        "a minted secret of {} characters is guessable",
        secret.expose().len()
    );
    verifies_as(store, &secret, &info).await?;
    no_secret_in(std::slice::from_ref(&info), &secret)?;
    refused(store, "", "an empty secret").await?;
    refused(
        store,
        &format!("{}x", secret.expose()),
        "the secret with a character added",
    )
    .await?;
    let mut chars: Vec<char> = secret.expose().chars().collect();
    if let Some(last) = chars.last_mut() {
        *last = if *last == 'A' { 'B' } else { 'A' };
    }
    let altered: String = chars.into_iter().collect();
    refused(
        store,
        &altered,
        "the secret with its last character changed",
    )
    .await?;
    refused(store, &info.id, "the key id").await?;

    // several live keys, each verifying, listed oldest first
    let (second, s2) = store.mint(&a, None).await.step("mint a second key")?;
    let (third, s3) = store
        .mint(&a, Some("rotation"))
        .await
        .step("mint a third key")?;
    let listed = store.list(&a).await.step("list")?;
    let ids: Vec<&str> = listed.iter().map(|k| k.id.as_str()).collect();
    ensure!(
        ids == [info.id.as_str(), second.id.as_str(), third.id.as_str()],
        "list gives keys {ids:?}, expected the three minted, oldest first"
    );
    ensure!(
        listed
            .windows(2)
            .all(|w| w.first().map(|k| k.created) <= w.get(1).map(|k| k.created)),
        "list is not oldest first: {listed:?}"
    );
    for (key, secret) in [(&info, &secret), (&second, &s2), (&third, &s3)] {
        verifies_as(store, secret, key).await?;
        no_secret_in(&listed, secret)?;
    }
    Ok(())
}

async fn tenants_and_revocation(store: &dyn ApiKeyStore) -> Outcome {
    let (a, b) = (TenantId::new("kit-tenant-a"), TenantId::new("kit-tenant-b"));
    let (ka1, sa1) = store.mint(&a, None).await.step("mint")?;
    let (ka2, sa2) = store.mint(&a, None).await.step("mint")?;
    let (kb, sb) = store.mint(&b, None).await.step("mint")?;
    let lb = store.list(&b).await.step("list")?;
    ensure!(
        lb.len() == 1 && lb.iter().all(|k| k.id == kb.id && k.tenant == b),
        "tenant B lists {lb:?}, expected only its own key {}",
        kb.id
    );
    let revoked = store.revoke(&b, &ka1.id).await.step("revoke")?;
    ensure!(!revoked, "tenant B revoked a key of tenant A");
    verifies_as(store, &sa1, &ka1).await?;
    ensure!(
        store.list(&a).await.step("list")?.len() == 2,
        "tenant A lost a key to tenant B's revoke"
    );

    let revoked = store.revoke(&a, &ka1.id).await.step("revoke")?;
    ensure!(revoked, "revoking a live key of tenant A answered false");
    refused(store, sa1.expose(), "a revoked key").await?;
    verifies_as(store, &sa2, &ka2).await?;
    verifies_as(store, &sb, &kb).await?;
    let la = key_ids(store, &a).await?;
    ensure!(
        la == [ka2.id.clone()],
        "after revoking {}, tenant A lists {la:?}",
        ka1.id
    );
    ensure!(
        !store.revoke(&a, &ka1.id).await.step("revoke")?,
        "revoking a revoked key answered true"
    );
    ensure!(
        !store.revoke(&a, "no-such-key").await.step("revoke")?,
        "revoking an unknown key answered true"
    );
    Ok(())
}

async fn insert_known(store: &dyn ApiKeyStore) -> Outcome {
    let (a, b) = (TenantId::new("kit-tenant-a"), TenantId::new("kit-tenant-b"));
    let secret = Secret::new("kit-configured-key-0123456789abcdef");
    let first = store
        .insert_known(&a, Some("SCIM_KEY"), &secret)
        .await
        .step("insert_known")?;
    ensure!(
        first.tenant == a,
        "insert_known for {a} made a key of {}",
        first.tenant
    );
    verifies_as(store, &secret, &first).await?;
    no_secret_in(std::slice::from_ref(&first), &secret)?;
    let again = store
        .insert_known(&a, Some("SCIM_KEY"), &secret)
        .await
        .step("insert_known again")?;
    ensure!(
        again.id == first.id,
        "inserting the same secret again made a second key {}",
        again.id
    );
    let listed = store.list(&a).await.step("list")?;
    ensure!(
        listed.len() == 1,
        "after inserting one secret twice tenant A lists {listed:?}"
    );
    no_secret_in(&listed, &secret)?;
    match store.insert_known(&b, None, &secret).await {
        Err(e) if e.kind() == BackendErrorKind::Uniqueness => {}
        other => {
            return Err(format!(
                "insert_known of tenant A's secret for tenant B gave {other:?}, expected 409 uniqueness"
            ));
        }
    }
    verifies_as(store, &secret, &first).await?;
    ensure!(
        store.list(&b).await.step("list")?.is_empty(),
        "tenant B got a key from a refused insert_known"
    );
    ensure!(
        store
            .insert_known(&a, None, &Secret::new(""))
            .await
            .is_err(),
        "insert_known accepted an empty secret"
    );
    let (minted, _) = store.mint(&a, None).await.step("mint")?;
    ensure!(
        store.list(&a).await.step("list")?.len() == 2,
        "an inserted and a minted key are not both live"
    );
    ensure!(
        store.revoke(&a, &first.id).await.step("revoke")?,
        "revoking an inserted key answered false"
    );
    refused(store, secret.expose(), "a revoked inserted key").await?;
    let la = key_ids(store, &a).await?;
    ensure!(
        la == [minted.id],
        "after revoking the inserted key tenant A lists {la:?}"
    );
    Ok(())
}

//! Admin verbs run from the shell on the server's database: accounts, passwords, API tokens,
//! and the doctor that checks the Usage & Cost rollups against the calls.

use anyhow::{anyhow, bail};
use voxhive_core::{password, secret, Email, Role};
use voxhive_store::{RollupCheck, Store, User};

/// The name of the workspace `user add --owner` creates when none is given.
pub const DEFAULT_WORKSPACE: &str = "Default";

/// What `user add` did.
pub struct AddedUser {
    pub user: User,
    pub workspace: String,
    pub role: Role,
}

/// A new random password for when none is given: 20 characters from an unambiguous alphabet.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = hex::decode(secret::random_token(20)).expect("hex");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// Creates an account (or takes the existing one) and makes it a member of a workspace.
/// As `owner` the workspace is created when missing; otherwise it must exist.
pub async fn add_user(
    store: &Store,
    email: &str,
    name: &str,
    password_plain: &str,
    workspace: Option<&str>,
    role: Role,
) -> anyhow::Result<AddedUser> {
    let email = Email::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
    password::check_policy(password_plain).map_err(|e| anyhow!("password: {e}"))?;
    let ws_name = workspace.unwrap_or(DEFAULT_WORKSPACE).trim();
    if ws_name.is_empty() {
        bail!("--workspace: give the workspace a name");
    }
    let ws = match store.workspace_by_name(ws_name).await? {
        Some(ws) => ws,
        None if role == Role::Owner => store.create_workspace(ws_name).await?,
        None => bail!(
            "no workspace is named {ws_name:?}; create it with `voxhive user add --owner --workspace {ws_name:?} ...`"
        ),
    };
    let hash = password::hash(password_plain);
    let user = match store.user_by_email(&email).await? {
        Some(user) => {
            store.set_password(user.id, &hash).await?;
            user
        }
        None => store.create_user(&email, name, Some(&hash)).await?,
    };
    match store.add_member(ws.id, user.id, role).await {
        Ok(_) => {}
        Err(voxhive_store::StoreError::Duplicate(_)) => {
            bail!("{email} is already a member of {ws_name:?}")
        }
        Err(e) => return Err(e.into()),
    }
    store
        .record_audit(
            ws.id,
            None,
            "member.add",
            email.as_str(),
            &serde_json::json!({"role": role, "via": "cli"}),
        )
        .await?;
    Ok(AddedUser {
        user,
        workspace: ws.name,
        role,
    })
}

/// Sets a new password for an account and ends its sessions.
pub async fn reset_password(store: &Store, email: &str, password_plain: &str) -> anyhow::Result<User> {
    let email = Email::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
    password::check_policy(password_plain).map_err(|e| anyhow!("password: {e}"))?;
    let user = store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| anyhow!("no account has the e-mail {email}"))?;
    store.set_password(user.id, &password::hash(password_plain)).await?;
    Ok(user)
}

/// Creates an API token for a user in one of their workspaces (the only one when not named).
pub async fn create_token(store: &Store, email: &str, workspace: Option<&str>, name: &str) -> anyhow::Result<String> {
    let email = Email::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
    let user = store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| anyhow!("no account has the e-mail {email}"))?;
    let memberships = store.workspaces_of_user(user.id).await?;
    let ws = match workspace {
        Some(name) => memberships
            .iter()
            .find(|w| w.workspace.name == name)
            .ok_or_else(|| anyhow!("{email} is not a member of a workspace named {name:?}"))?,
        None => match memberships.as_slice() {
            [only] => only,
            [] => bail!("{email} is not a member of any workspace"),
            _ => bail!(
                "{email} belongs to several workspaces ({}); choose one with --workspace",
                memberships
                    .iter()
                    .map(|w| w.workspace.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let token = voxhive_web::auth::issue_api_token(store, user.id, ws.workspace.id, name).await?;
    store
        .record_audit(
            ws.workspace.id,
            Some(user.id),
            "token.create",
            name,
            &serde_json::json!({"via": "cli"}),
        )
        .await?;
    Ok(token)
}

/// Recomputes every workspace's rollups from its calls; each workspace's name with what was
/// found (and repaired).
pub async fn doctor(store: &Store) -> anyhow::Result<Vec<(String, RollupCheck)>> {
    let mut report = Vec::new();
    for workspace in store.all_workspaces().await? {
        let check = store.recompute_rollups(workspace.id).await?;
        report.push((workspace.name, check));
    }
    Ok(report)
}

/// The doctor's findings as lines for people.
pub fn doctor_lines(report: &[(String, RollupCheck)]) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, check) in report {
        if check.is_clean() {
            lines.push(format!("{name}: the rollups match the calls."));
            continue;
        }
        lines.push(format!(
            "{name}: {} rollup row(s) differed from the calls and {} call(s) were filed under the wrong day; repaired.",
            check.differences.len(),
            check.misdated_calls
        ));
        for d in &check.differences {
            lines.push(format!(
                "  {} connection {} assistant {}: expected {} call(s) and {} micro-USD, found {} and {}",
                d.day,
                d.connection_id,
                d.remote_assistant_id.as_deref().unwrap_or("(none)"),
                d.expected.calls,
                d.expected.cost_micro_usd,
                d.actual.calls,
                d.actual.cost_micro_usd
            ));
        }
    }
    lines
}

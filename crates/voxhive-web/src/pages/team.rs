//! Settings, Team: members and roles, invitations with one-time links, recent activity.

use crate::form::Form;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use voxhive_core::time::{format_minute, now_ms, relative};
use voxhive_core::{Email, Permission, Role};
use voxhive_store::{Member, StoreError};

use super::redirect_with_flash;
use crate::auth::{issue_password_link, Auth};
use crate::error::{AppError, AppResult};
use crate::views::{Page, Shell};
use crate::AppState;

const PATH: &str = "/settings/team";

#[derive(Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    shell: Shell,
    members: Vec<MemberRow>,
    activity: Vec<ActivityRow>,
    roles: &'static [Role],
    invite: InviteValues,
}

struct MemberRow {
    member: Member,
    joined: String,
    is_self: bool,
    /// Whether the viewer may change this member's role or remove them.
    manageable: bool,
}

struct ActivityRow {
    actor: String,
    action: String,
    target: String,
    when: String,
    exact: String,
}

/// The invite form's values and error, kept when it is shown again.
#[derive(Default)]
struct InviteValues {
    email: String,
    role: String,
    error: Option<String>,
}

fn may_manage(role: Role, target: Role) -> bool {
    role.allows(Permission::ManageMembers) && (target != Role::Owner || role.allows(Permission::ManageOwners))
}

async fn render(auth: &Auth, state: &AppState, invite: InviteValues) -> AppResult<Page<TeamPage>> {
    let shell = auth.shell(state, "Team", PATH).await?;
    let zone = crate::views::zone_of(&auth.workspace.workspace);
    let now = now_ms();
    let members = state
        .store
        .members(auth.workspace_id())
        .await?
        .into_iter()
        .map(|member| MemberRow {
            joined: format_minute(member.joined_at, &zone),
            is_self: member.user_id == auth.user_id(),
            manageable: may_manage(auth.role(), member.role),
            member,
        })
        .collect();
    let activity = if auth.role().allows(Permission::ManageMembers) {
        state
            .store
            .audit_entries(auth.workspace_id(), 15)
            .await?
            .into_iter()
            .map(|e| ActivityRow {
                actor: actor_name(e.actor, &e.detail),
                action: describe_action(&e.action).to_string(),
                target: e.target,
                when: relative(e.at, now),
                exact: format_minute(e.at, &zone),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Page(TeamPage {
        shell,
        members,
        activity,
        roles: &Role::ALL,
        invite,
    }))
}

/// Who did something: their e-mail, the command line, or a user since deleted.
fn actor_name(actor: Option<String>, detail: &str) -> String {
    let via_cli = serde_json::from_str::<serde_json::Value>(detail).is_ok_and(|d| d["via"] == "cli");
    match actor {
        Some(email) if via_cli => format!("{email} (command line)"),
        Some(email) => email,
        None if via_cli => "The command line".into(),
        None => "A deleted account".into(),
    }
}

fn describe_action(action: &str) -> &str {
    match action {
        "member.invite" => "invited",
        "member.add" => "added",
        "member.role" => "changed the role of",
        "member.remove" => "removed",
        "token.create" => "created the API token",
        "token.revoke" => "revoked API token",
        other => other,
    }
}

pub async fn show_team(auth: Auth, State(state): State<AppState>) -> AppResult<Page<TeamPage>> {
    render(&auth, &state, InviteValues::default()).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// Shows the team page again with the invite form's error, as a 400.
async fn invite_refused(auth: &Auth, state: &AppState, form: &InviteForm, error: String) -> AppResult<Response> {
    let values = InviteValues {
        email: form.email.clone(),
        role: form.role.clone(),
        error: Some(error),
    };
    Ok((StatusCode::BAD_REQUEST, render(auth, state, values).await?).into_response())
}

pub async fn invite_member(
    auth: Auth,
    State(state): State<AppState>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    auth.require(Permission::ManageMembers)?;
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(err) => return invite_refused(&auth, &state, &form, format!("E-mail: {err}.")).await,
    };
    let Ok(role) = form.role.parse::<Role>() else {
        return invite_refused(
            &auth,
            &state,
            &form,
            "Role: choose owner, admin, editor or viewer.".into(),
        )
        .await;
    };
    if role == Role::Owner {
        auth.require(Permission::ManageOwners)?;
    }
    let ws = auth.workspace_id();
    let (user, created) = match state.store.user_by_email(&email).await? {
        Some(user) => (user, false),
        None => (state.store.create_user(&email, "", None).await?, true),
    };
    match state.store.add_member(ws, user.id, role).await {
        Err(StoreError::Duplicate(_)) => {
            return invite_refused(
                &auth,
                &state,
                &form,
                format!("{email} is already a member of this workspace."),
            )
            .await;
        }
        other => other?,
    };
    let action = if created { "member.invite" } else { "member.add" };
    state
        .store
        .record_audit(ws, Some(auth.user_id()), action, email.as_str(), &json!({"role": role}))
        .await?;
    if user.password_hash.is_some() {
        return Ok(redirect_with_flash(
            &state,
            PATH,
            "success",
            format!("{email} already has an account and was added as {role}."),
            None,
        ));
    }
    let link = issue_password_link(&state, user.id).await?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        "success",
        format!(
            "{email} was invited as {role}. Send them this one-time link to set a password; it works once, for 7 days."
        ),
        Some(link),
    ))
}

/// The member a route names, refusing members of other workspaces (404) and owners to non-owners (403).
async fn manageable_member(auth: &Auth, state: &AppState, id: i64) -> AppResult<Member> {
    auth.require(Permission::ManageMembers)?;
    let member = state
        .store
        .member(auth.workspace_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_manage(auth.role(), member.role) {
        return Err(AppError::Forbidden);
    }
    Ok(member)
}

/// Refuses to leave a workspace without an owner.
async fn keep_an_owner(auth: &Auth, state: &AppState, member: &Member) -> AppResult<()> {
    if member.role == Role::Owner && state.store.count_owners(auth.workspace_id()).await? <= 1 {
        return Err(AppError::Conflict(format!(
            "{} is the last owner of this workspace: make someone else owner first.",
            member.email
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    auth: Auth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let member = manageable_member(&auth, &state, id).await?;
    let role: Role = form
        .role
        .parse()
        .map_err(|e: voxhive_core::role::UnknownRole| AppError::field("role", e.to_string()))?;
    if role == Role::Owner {
        auth.require(Permission::ManageOwners)?;
    }
    if role != Role::Owner {
        keep_an_owner(&auth, &state, &member).await?;
    }
    state.store.set_member_role(auth.workspace_id(), id, role).await?;
    state
        .store
        .record_audit(
            auth.workspace_id(),
            Some(auth.user_id()),
            "member.role",
            &member.email,
            &json!({"from": member.role, "to": role}),
        )
        .await?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        "success",
        format!("{} is now {role}.", member.email),
        None,
    ))
}

pub async fn remove_member(auth: Auth, State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let member = manageable_member(&auth, &state, id).await?;
    keep_an_owner(&auth, &state, &member).await?;
    state.store.remove_member(auth.workspace_id(), id).await?;
    state
        .store
        .record_audit(
            auth.workspace_id(),
            Some(auth.user_id()),
            "member.remove",
            &member.email,
            &json!({"role": member.role}),
        )
        .await?;
    Ok(redirect_with_flash(
        &state,
        PATH,
        "success",
        format!("{} was removed from the workspace.", member.email),
        None,
    ))
}

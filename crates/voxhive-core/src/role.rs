//! Workspace roles and what each may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A member's role in a workspace, from most to least powerful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

/// Something a role may or may not be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// See the workspace's data.
    View,
    /// Change assistants, tools, numbers and other resources.
    Edit,
    /// Invite, re-role and remove members; manage provider connections.
    ManageMembers,
    /// Grant or take the owner role.
    ManageOwners,
}

impl Role {
    /// Every role, most powerful first, for pickers.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    /// Whether this role grants the permission.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::View => true,
            Permission::Edit => self >= Role::Editor,
            Permission::ManageMembers => self >= Role::Admin,
            Permission::ManageOwners => self == Role::Owner,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    /// A one-line description for the team page.
    pub fn description(self) -> &'static str {
        match self {
            Role::Owner => "Everything, including managing other owners",
            Role::Admin => "Everything except managing owners",
            Role::Editor => "Edit and push assistants, numbers, tools and files",
            Role::Viewer => "Read-only access",
        }
    }
}

/// A string that names no role.
#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}: expected owner, admin, editor or viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            _ => Err(UnknownRole(s.to_string())),
        }
    }
}

impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_follow_the_ladder() {
        assert!(Role::Viewer.allows(Permission::View));
        assert!(!Role::Viewer.allows(Permission::Edit));
        assert!(Role::Editor.allows(Permission::Edit));
        assert!(!Role::Editor.allows(Permission::ManageMembers));
        assert!(Role::Admin.allows(Permission::ManageMembers));
        assert!(!Role::Admin.allows(Permission::ManageOwners));
        assert!(Role::Owner.allows(Permission::ManageOwners));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}

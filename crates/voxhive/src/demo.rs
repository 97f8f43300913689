//! `voxhive demo`: a server on its own SQLite file with a demo workspace and account.

use voxhive_core::{password, Email, Role};

use crate::config::Config;
use crate::server;

/// The demo account's e-mail.
pub const DEMO_EMAIL: &str = "demo@voxhive.dev";
/// The demo account's password, reset at every demo start.
pub const DEMO_PASSWORD: &str = "voxhive-demo";
/// The demo workspace.
pub const DEMO_WORKSPACE: &str = "Demo Agency";
/// Where the demo keeps its data unless `--data-dir` says otherwise.
pub const DEMO_DATA_DIR: &str = "voxhive-demo";

/// Starts the demo and serves until SIGINT or SIGTERM.
pub async fn run(config: &mut Config, port: u16) -> anyhow::Result<()> {
    if config.data_dir == Config::default().data_dir {
        config.data_dir = DEMO_DATA_DIR.into();
    }
    config.database_url = None;
    config.bind = format!("127.0.0.1:{port}");
    let running = server::start(config).await?;
    seed_account(&running.store).await?;
    println!("VoxHive demo is running at http://{}", running.addr);
    println!("Sign in with e-mail {DEMO_EMAIL} and password {DEMO_PASSWORD}");
    println!(
        "Data: {} (delete it to start over). Stop with Ctrl-C.",
        config.data_dir.display()
    );
    server::serve_until_signal(running).await
}

/// Creates the demo workspace and owner, or resets the owner's password if they exist.
pub async fn seed_account(store: &voxhive_store::Store) -> anyhow::Result<()> {
    let email = Email::parse(DEMO_EMAIL)?;
    let hash = password::hash(DEMO_PASSWORD);
    let user = match store.user_by_email(&email).await? {
        Some(user) => {
            store.set_password(user.id, &hash).await?;
            user
        }
        None => store.create_user(&email, "Demo", Some(&hash)).await?,
    };
    let ws = match store.workspace_by_name(DEMO_WORKSPACE).await? {
        Some(ws) => ws,
        None => store.create_workspace(DEMO_WORKSPACE).await?,
    };
    if store.workspace_role(user.id, ws.id).await?.is_none() {
        store.add_member(ws.id, user.id, Role::Owner).await?;
    }
    Ok(())
}
